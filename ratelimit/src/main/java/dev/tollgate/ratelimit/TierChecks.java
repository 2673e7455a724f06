package dev.tollgate.ratelimit;

import dev.tollgate.ratelimit.store.BucketState;
import dev.tollgate.ratelimit.store.BudgetStore;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Tiered rules ask here before they route: the buckets the request would reserve against are read,
 * never changed, and the request falls to the rule's cheaper tier when one is past its warn
 * threshold (if the rule falls at warn) or an enforced one cannot hold the estimate. Only tiered
 * rules ask, so untiered ones pay nothing. Each fall is counted in the store, next to the bucket
 * that made the request fall ({@link BudgetStore#countFall}), so the quota's status shows the same
 * count from every replica. Thread-safe and non-blocking.
 */
final class TierChecks {
  private final BudgetStore store;
  private final RateLimitMetrics metrics;

  TierChecks(BudgetStore store, RateLimitMetrics metrics) {
    this.store = store;
    this.metrics = metrics;
  }

  /**
   * Decides whether a request falls to its tier.
   *
   * @param atWarn whether the rule falls at the warn threshold too, not only when exhausted
   * @return the decision, once a fall is counted; {@link TierDecision#STAY} when the store cannot
   *     answer (the reserve then decides under the service's failure mode). A fall the store cannot
   *     count still falls: only the count in status misses it.
   */
  CompletableFuture<TierDecision> check(
      BudgetPolicy current,
      RequestIdentity identity,
      long estimateTokens,
      boolean atWarn,
      Instant now) {
    List<PlannedCharge> planned = current.reserve(identity, estimateTokens, now);
    if (planned.isEmpty()) {
      return CompletableFuture.completedFuture(TierDecision.STAY);
    }
    return store
        .read(identity.namespace(), PlannedCharge.toCharges(planned), now)
        .handle(
            (states, error) -> {
              if (error != null) {
                metrics.storeError("tier");
                return TierDecision.STAY;
              }
              return decide(planned, states, atWarn);
            })
        .thenCompose(
            decision ->
                decision.fall()
                    ? count(identity.namespace(), planned, decision, now)
                    : CompletableFuture.completedFuture(decision));
  }

  /** The decision for the bucket states read: an exhausted bucket first, then a warned one. */
  static TierDecision decide(
      List<PlannedCharge> planned, List<BucketState> states, boolean atWarn) {
    int warned = -1;
    for (int i = 0; i < planned.size(); i++) {
      PlannedCharge charge = planned.get(i);
      long after = states.get(i).total() + charge.amount();
      if (charge.budget().enforced() && after > charge.budget().limitUnits()) {
        return decision(charge, TierDecision.EXHAUSTED);
      }
      if (warned < 0 && after >= charge.budget().warnAtUnits()) {
        warned = i;
      }
    }
    return atWarn && warned >= 0
        ? decision(planned.get(warned), TierDecision.WARN)
        : TierDecision.STAY;
  }

  private static TierDecision decision(PlannedCharge charge, String reason) {
    Budget budget = charge.budget();
    return new TierDecision(
        true,
        reason,
        budget.namespace() + "/" + budget.quota(),
        budget.limit().name(),
        charge.bucket().label());
  }

  /** Counts the fall in the bucket that made the request fall, then answers the decision. */
  private CompletableFuture<TierDecision> count(
      String namespace, List<PlannedCharge> planned, TierDecision decision, Instant now) {
    for (PlannedCharge charge : planned) {
      if (charge.bucket().label().equals(decision.bucket())
          && charge.budget().limit().name().equals(decision.limit())
          && decision.quota().equals(charge.budget().namespace() + "/" + charge.budget().quota())) {
        return store
            .countFall(namespace, charge.toCharge(), now)
            .handle(
                (n, error) -> {
                  if (error != null) {
                    metrics.storeError("tier");
                  }
                  return decision;
                });
      }
    }
    return CompletableFuture.completedFuture(decision);
  }
}
