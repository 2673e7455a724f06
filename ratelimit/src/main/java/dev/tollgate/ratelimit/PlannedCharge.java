package dev.tollgate.ratelimit;

import dev.tollgate.ratelimit.store.Charge;
import java.util.ArrayList;
import java.util.List;

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

  /** Returns what the store needs to apply these charges, in their order. */
  static List<Charge> toCharges(List<PlannedCharge> planned) {
    List<Charge> charges = new ArrayList<>(planned.size());
    for (PlannedCharge charge : planned) {
      charges.add(charge.toCharge());
    }
    return charges;
  }
}
