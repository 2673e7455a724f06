package dev.tollgate.ratelimit.store;

/**
 * A bucket's counters after an operation.
 *
 * @param used committed usage in the window
 * @param reserved held by live reservations
 */
public record BucketState(long used, long reserved) {

  /** Returns used plus reserved. */
  public long total() {
    return used + reserved;
  }
}
