package dev.tollgate.ratelimit;

import dev.tollgate.api.v1alpha1.BucketDimension;
import dev.tollgate.api.v1alpha1.LimitType;
import dev.tollgate.model.Wire;
import dev.tollgate.ratelimit.store.BucketState;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import java.util.List;
import java.util.Optional;

/**
 * A budget of a refused request that no request can fit in until its window ends, whatever its
 * body: enforced, of a type every request charges at least one unit of (Tokens, InputTokens,
 * OutputTokens, Requests; a Cost budget is left out, as a free model costs nothing), not kept per
 * model, of a quota covering every route of the namespace, and with committed usage alone at its
 * limit (live reservations can be returned, commits cannot). The refusal carries it in {@link
 * Wire#BUDGET_EXHAUSTED_HEADER}, so that the processor refuses that client's next requests at their
 * headers, before reading their bodies.
 *
 * @param client whether the budget is kept per client (else per namespace)
 * @param charge the budget's planned charge, which holds its window
 */
record ExhaustedBudget(boolean client, PlannedCharge charge) {

  /** Returns the exhausted budget among a refused request's charges that ends last, if any. */
  static Optional<ExhaustedBudget> of(
      BudgetPolicy policy, List<PlannedCharge> charges, List<BucketState> states) {
    ExhaustedBudget latest = null;
    for (int i = 0; i < charges.size() && i < states.size(); i++) {
      PlannedCharge charge = charges.get(i);
      Budget budget = charge.budget();
      if (!budget.enforced()
          || budget.limit().type() == LimitType.Cost
          || budget.limit().per().contains(BucketDimension.Model)
          || states.get(i).used() < budget.limitUnits()
          || !policy.coversEveryRoute(budget)) {
        continue;
      }
      boolean perClient = budget.limit().per().contains(BucketDimension.Client);
      if (perClient && charge.bucket().client() == null) {
        continue;
      }
      if (latest == null || charge.window().end().isAfter(latest.charge().window().end())) {
        latest = new ExhaustedBudget(perClient, charge);
      }
    }
    return Optional.ofNullable(latest);
  }

  /** Returns the header that tells the processor. */
  HeaderValue header() {
    Budget budget = charge.budget();
    return ResponseHeaders.header(
        Wire.BUDGET_EXHAUSTED_HEADER,
        "scope="
            + (client ? "client" : "namespace")
            + ";until="
            + charge.window().end().getEpochSecond()
            + ";family="
            + (budget.countsTokens() ? "tokens" : "requests")
            + ";limit="
            + budget.amountOf(budget.limitUnits()).toPlainString());
  }
}
