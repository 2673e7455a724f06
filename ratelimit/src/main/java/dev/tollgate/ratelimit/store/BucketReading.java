package dev.tollgate.ratelimit.store;

import java.time.Instant;

/**
 * The counters of one live bucket, for usage reports.
 *
 * @param bucketId the bucket's id within its namespace
 * @param used committed usage in the window
 * @param reserved held by live reservations
 * @param windowEnd when the window ends
 */
public record BucketReading(String bucketId, long used, long reserved, Instant windowEnd) {}
