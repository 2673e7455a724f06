package dev.tollgate.ratelimit;

import dev.tollgate.ratelimit.store.BucketState;
import dev.tollgate.ratelimit.store.BudgetStore;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Tiered rules ask here before they route: the buckets the request would reserve against are read,
 * never changed, and the request falls to the rule's cheaper tier when one is past its warn
 * threshold (if the rule falls at warn) or an enforced one cannot hold the estimate. Only tiered
 * rules ask, so untiered ones pay nothing. Each fall is counted per bucket and window, for the
 * quota's status. Thread-safe and non-blocking.
 */
final class TierChecks {
  /** Most buckets whose falls are remembered; further ones are not counted in status. */
  private static final int MAX_COUNTED_BUCKETS = 10_000;

  private record Counted(String namespace, String bucketId) {}

  private final BudgetStore store;
  private final RateLimitMetrics metrics;
  private final Map<Counted, AtomicLong> falls = new ConcurrentHashMap<>();
  private final Map<Counted, Instant> ends = new ConcurrentHashMap<>();

  TierChecks(BudgetStore store, RateLimitMetrics metrics) {
    this.store = store;
    this.metrics = metrics;
  }

  /**
   * Decides whether a request falls to its tier.
   *
   * @param atWarn whether the rule falls at the warn threshold too, not only when exhausted
   * @return the decision; {@link TierDecision#STAY} when the store cannot answer (the reserve then
   *     decides under the service's failure mode)
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
              TierDecision decision = decide(planned, states, atWarn);
              if (decision.fall()) {
                count(identity.namespace(), planned, decision);
              }
              return decision;
            });
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

  private void count(String namespace, List<PlannedCharge> planned, TierDecision decision) {
    for (PlannedCharge charge : planned) {
      if (charge.bucket().label().equals(decision.bucket())
          && charge.budget().limit().name().equals(decision.limit())
          && decision.quota().equals(charge.budget().namespace() + "/" + charge.budget().quota())) {
        Counted key = new Counted(namespace, charge.bucket().id());
        if (falls.size() >= MAX_COUNTED_BUCKETS && !falls.containsKey(key)) {
          return;
        }
        falls.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
        ends.putIfAbsent(key, charge.window().end());
        return;
      }
    }
  }

  /** How many requests fell to a tier because of this bucket in its current window. */
  long falls(String namespace, String bucketId) {
    AtomicLong n = falls.get(new Counted(namespace, bucketId));
    return n == null ? 0 : n.get();
  }

  /** Forgets the counts of windows that have ended. */
  void maintain(Instant now) {
    ends.entrySet()
        .removeIf(
            e -> {
              if (!e.getValue().isAfter(now)) {
                falls.remove(e.getKey());
                return true;
              }
              return false;
            });
  }
}
