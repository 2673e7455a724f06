package dev.tollgate.ratelimit;

import dev.tollgate.ratelimit.store.BucketState;
import dev.tollgate.ratelimit.store.Crossing;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports the thresholds a reserve or commit crossed: a metric and one log line each. Thread-safe.
 */
final class BudgetCrossings {
  // Logged under the service's name, as they always were, so that log filters keep matching.
  private static final Logger LOG = LoggerFactory.getLogger(RateLimitService.class);

  private final RateLimitMetrics metrics;

  BudgetCrossings(RateLimitMetrics metrics) {
    this.metrics = metrics;
  }

  /** Reports the crossings of one store answer. */
  void report(List<PlannedCharge> planned, List<Crossing> crossings, List<BucketState> states) {
    for (Crossing crossing : crossings) {
      PlannedCharge charge = planned.get(crossing.index());
      Budget budget = charge.budget();
      BucketState state = states.get(crossing.index());
      boolean limit = crossing.threshold() == Crossing.Threshold.LIMIT;
      metrics.crossing(budget, limit ? "limit" : "warn");
      LOG.warn(
          "TokenQuota {}/{}: limit {} for {} {} ({} of {} {}, {}%) in the window ending {}; mode {}",
          budget.namespace(),
          budget.quota(),
          budget.limit().name(),
          charge.bucket().label(),
          limit
              ? "went over budget"
              : "reached its warning threshold of " + budget.warnAtPercent() + "%",
          budget.amountOf(state.total()).toPlainString(),
          budget.amountOf(budget.limitUnits()).toPlainString(),
          budget.unit(),
          ResponseHeaders.percent(state.total(), budget.limitUnits()),
          charge.window().end(),
          budget.mode());
    }
  }
}
