package dev.tollgate.ratelimit.store;

import java.time.Instant;

/**
 * An amount to add to one bucket, with what the store needs to check and expire it.
 *
 * @param bucketId the bucket's id within its namespace
 * @param amount the counter value to add, not negative
 * @param limit the budget of the bucket as a counter value
 * @param warnAt the soft threshold as a counter value
 * @param enforced whether a reservation that does not fit is rejected
 * @param windowEnd when the bucket's window ends and its counters may be dropped
 */
public record Charge(
    String bucketId, long amount, long limit, long warnAt, boolean enforced, Instant windowEnd) {

  /** Checks the values, so that no caller can corrupt a counter. */
  public Charge {
    if (amount < 0 || limit < 0 || warnAt < 0) {
      throw new IllegalArgumentException(
          "negative amount, limit or threshold for bucket " + bucketId);
    }
  }
}
