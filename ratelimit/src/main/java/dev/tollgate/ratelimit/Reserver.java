package dev.tollgate.ratelimit;

import dev.tollgate.ratelimit.BudgetDescriptor.Reserve;
import dev.tollgate.ratelimit.store.BucketState;
import dev.tollgate.ratelimit.store.BudgetStore;
import dev.tollgate.ratelimit.store.ReserveResult;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.Code;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.DescriptorStatus;
import io.micrometer.core.instrument.Timer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The reserve phase: at request start, reserves the estimate in every budget that applies and
 * refuses the request when an enforced one has no room, or the store cannot answer and the service
 * fails closed. Thread-safe and non-blocking.
 */
final class Reserver {
  private final BudgetStore store;
  private final RateLimitSettings settings;
  private final RateLimitMetrics metrics;
  private final ThrottledLog throttled;
  private final BudgetCrossings crossings;

  Reserver(
      BudgetStore store,
      RateLimitSettings settings,
      RateLimitMetrics metrics,
      ThrottledLog throttled,
      BudgetCrossings crossings) {
    this.store = store;
    this.settings = settings;
    this.metrics = metrics;
    this.throttled = throttled;
    this.crossings = crossings;
  }

  /** Decides a reserve descriptor under the budgets in force. */
  CompletableFuture<DescriptorOutcome> reserve(BudgetPolicy current, Reserve d, Instant now) {
    List<PlannedCharge> planned = current.reserve(d.identity(), d.estimateTokens(), now);
    if (planned.isEmpty()) {
      metrics.decision("reserve", "ok");
      return CompletableFuture.completedFuture(DescriptorOutcome.OK);
    }
    Timer.Sample sample = Timer.start(metrics.registry());
    return store
        .reserve(
            d.identity().namespace(),
            d.requestId(),
            PlannedCharge.toCharges(planned),
            now,
            now.plus(settings.reservationTtl()))
        .handle(
            (result, error) -> {
              sample.stop(metrics.storeLatency("reserve"));
              if (error != null) {
                return storeFailure(error);
              }
              return reserved(current, planned, result, now);
            });
  }

  private DescriptorOutcome reserved(
      BudgetPolicy current, List<PlannedCharge> planned, ReserveResult result, Instant now) {
    crossings.report(planned, result.crossings(), result.states());
    metrics.budgets(planned, result.states());
    if (result.status() == ReserveResult.Status.ALREADY_COMMITTED) {
      metrics.decision("reserve", "ok");
      return DescriptorOutcome.OK;
    }
    List<BucketState> states = result.states();
    if (result.status() == ReserveResult.Status.REJECTED) {
      metrics.decision("reserve", "over_limit");
      int blocked = result.blockedIndex();
      List<HeaderValue> headers =
          new ArrayList<>(ResponseHeaders.of(planned, states, blocked, now));
      ExhaustedBudget.of(current, planned, states).ifPresent(e -> headers.add(e.header()));
      return new DescriptorOutcome(
          Code.OVER_LIMIT,
          DescriptorOutcome.status(Code.OVER_LIMIT, planned.get(blocked), states.get(blocked), now),
          List.copyOf(headers));
    }
    List<HeaderValue> headers = ResponseHeaders.of(planned, states, -1, now);
    boolean warned = headers.stream().anyMatch(h -> h.getKey().equals(ResponseHeaders.WARNING));
    metrics.decision("reserve", warned ? "warned" : "ok");
    int tightest = 0;
    for (int i = 1; i < planned.size(); i++) {
      if (share(planned.get(i), states.get(i))
          < share(planned.get(tightest), states.get(tightest))) {
        tightest = i;
      }
    }
    return new DescriptorOutcome(
        Code.OK,
        DescriptorOutcome.status(Code.OK, planned.get(tightest), states.get(tightest), now),
        headers);
  }

  private DescriptorOutcome storeFailure(Throwable error) {
    metrics.storeError("reserve");
    boolean open = settings.failureMode() == RateLimitSettings.FailureMode.OPEN;
    throttled.warn(
        "reserve",
        () ->
            "budget store "
                + store.name()
                + " unavailable ("
                + Futures.unwrap(error).getMessage()
                + "); "
                + (open
                    ? "allowing requests without budget checks (fail-open)"
                    : "rejecting requests (fail-closed)"));
    if (open) {
      metrics.decision("reserve", "fail_open");
      return DescriptorOutcome.OK;
    }
    metrics.decision("reserve", "fail_closed");
    return new DescriptorOutcome(
        Code.OVER_LIMIT,
        DescriptorStatus.newBuilder().setCode(Code.OVER_LIMIT).build(),
        List.of(
            ResponseHeaders.header("retry-after", "1"),
            ResponseHeaders.header(
                ResponseHeaders.WARNING,
                "budgets cannot be checked right now; the request was refused (fail-closed)")));
  }

  /** The share of a bucket's limit left after this charge; the tightest bucket is reported. */
  private static double share(PlannedCharge charge, BucketState state) {
    long limit = charge.budget().limitUnits();
    return limit <= 0 ? 0 : (double) ResponseHeaders.remaining(charge, state) / limit;
  }
}
