package dev.tollgate.ratelimit;

import dev.tollgate.ratelimit.store.Charge;

/**
 * An amount to reserve or commit against one bucket of one budget.
 *
 * @param budget the budget
 * @param bucket the bucket in the current window
 * @param window the current window
 * @param amount the counter value to add
 */
public record PlannedCharge(Budget budget, BucketKey bucket, WindowSpan window, long amount) {

  /** Returns what the store needs to apply this charge. */
  public Charge toCharge() {
    return new Charge(
        bucket.id(),
        amount,
        budget.limitUnits(),
        budget.warnAtUnits(),
        budget.enforced(),
        window.end());
  }
}
