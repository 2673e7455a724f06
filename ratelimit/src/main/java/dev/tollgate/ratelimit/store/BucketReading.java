package dev.tollgate.ratelimit.store;

import java.time.Instant;

/**
 * The counters of one live bucket, for usage reports.
 *
 * @param bucketId the bucket's id within its namespace
 * @param used committed usage in the window
 * @param reserved held by live reservations
 * @param windowEnd when the window ends
 * @param falls requests of tiered rules that fell to their tier because of this bucket in the
 *     window ({@link BudgetStore#countFall}), counted in the store, so every replica reads the same
 */
public record BucketReading(
    String bucketId, long used, long reserved, Instant windowEnd, long falls) {

  /** A reading of a bucket no request fell because of. */
  public BucketReading(String bucketId, long used, long reserved, Instant windowEnd) {
    this(bucketId, used, reserved, windowEnd, 0);
  }
}
