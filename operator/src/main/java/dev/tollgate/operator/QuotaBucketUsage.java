package dev.tollgate.operator;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * The usage of one budget bucket, as a {@link QuotaUsageReader} reports it. Mirrors the rate-limit
 * service's {@code BucketUsageReport}, so that an adapter copies field by field.
 *
 * @param limit name of the limit in {@code spec.limits}
 * @param bucket the bucket, e.g. {@code client=alice,model=fast}
 * @param unit tokens, requests, or the currency code
 * @param amount the budget of the window
 * @param used committed usage in the window
 * @param reserved held by requests still running
 * @param remaining budget left
 * @param percentUsed used and reserved in percent of the amount
 * @param resetsAt when the window ends
 */
public record QuotaBucketUsage(
    String limit,
    String bucket,
    String unit,
    BigDecimal amount,
    BigDecimal used,
    BigDecimal reserved,
    BigDecimal remaining,
    long percentUsed,
    Instant resetsAt) {}
