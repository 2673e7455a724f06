package dev.tollgate.ratelimit;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * The current usage of one bucket, as the operator writes it into TokenQuota status.
 *
 * @param limit name of the limit
 * @param bucket the bucket, e.g. {@code client=alice,model=fast}, or {@code namespace=team-a}
 * @param unit tokens, requests, or the currency code
 * @param amount the budget of the window
 * @param used committed usage in the window
 * @param reserved held by requests still running
 * @param remaining budget left: amount minus used and reserved, never negative
 * @param percentUsed used and reserved in percent of the amount, rounded down
 * @param resetsAt when the window ends
 * @param downgraded requests of tiered rules that fell to their cheaper tier because of this bucket
 *     in this window, as counted by the replica that reported
 */
public record BucketUsageReport(
    String limit,
    String bucket,
    String unit,
    BigDecimal amount,
    BigDecimal used,
    BigDecimal reserved,
    BigDecimal remaining,
    long percentUsed,
    Instant resetsAt,
    long downgraded) {

  /** A report of a bucket no request fell to a tier for. */
  public BucketUsageReport(
      String limit,
      String bucket,
      String unit,
      BigDecimal amount,
      BigDecimal used,
      BigDecimal reserved,
      BigDecimal remaining,
      long percentUsed,
      Instant resetsAt) {
    this(limit, bucket, unit, amount, used, reserved, remaining, percentUsed, resetsAt, 0);
  }
}
