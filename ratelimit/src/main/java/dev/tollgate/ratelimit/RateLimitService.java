package dev.tollgate.ratelimit;

import dev.tollgate.api.v1alpha1.Window;
import dev.tollgate.model.GatewayModel;
import dev.tollgate.ratelimit.BudgetDescriptor.Commit;
import dev.tollgate.ratelimit.BudgetDescriptor.Reserve;
import dev.tollgate.ratelimit.store.BucketReading;
import dev.tollgate.ratelimit.store.BucketState;
import dev.tollgate.ratelimit.store.BudgetStore;
import dev.tollgate.ratelimit.store.Charge;
import dev.tollgate.ratelimit.store.CommitResult;
import dev.tollgate.ratelimit.store.Crossing;
import dev.tollgate.ratelimit.store.ReserveResult;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.Code;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.DescriptorStatus;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Envoy's external rate-limit service for Tollgate's token budgets: reserve at request start,
 * commit at stream done (see the module README).
 *
 * <p>Thread-safe and non-blocking: decisions complete when the store answers, on the store's
 * thread. {@link #update} swaps the budgets without a restart; usage already counted is kept,
 * because bucket keys do not contain amounts.
 */
public final class RateLimitService extends RateLimitServiceGrpc.RateLimitServiceImplBase {
  private static final Logger LOG = LoggerFactory.getLogger(RateLimitService.class);
  private static final long UINT32_MAX = 0xFFFF_FFFFL;

  private final BudgetStore store;
  private final RateLimitSettings settings;
  private final Clock clock;
  private final RateLimitMetrics metrics;
  private final ThrottledLog throttled;
  private final ArrayDeque<PendingCommit> pending = new ArrayDeque<>();
  private volatile BudgetPolicy policy;

  /**
   * Creates the service.
   *
   * @param model the first model; see {@link #update}
   * @param store where the counters live
   * @param settings behaviour beyond the resources
   * @param clock the time of windows and reservations
   * @param registry where the meters go
   */
  public RateLimitService(
      GatewayModel model,
      BudgetStore store,
      RateLimitSettings settings,
      Clock clock,
      MeterRegistry registry) {
    this.store = store;
    this.settings = settings;
    this.clock = clock;
    this.metrics = new RateLimitMetrics(registry, store.name(), this::pendingCommits, clock);
    this.throttled = new ThrottledLog(LOG, clock, settings.logInterval());
    this.policy = BudgetPolicy.of(model);
  }

  /** Applies a changed model to every decision from now on. */
  public void update(GatewayModel model) {
    BudgetPolicy next = BudgetPolicy.of(model);
    BudgetPolicy previous = policy;
    policy = next;
    metrics.retain(next);
    if (!next.version().equals(previous.version())) {
      LOG.info(
          "budgets updated to model {} ({} namespaces)", next.version(), next.namespaces().size());
    }
  }

  /** Returns the budgets in force. */
  public BudgetPolicy policy() {
    return policy;
  }

  @Override
  public void shouldRateLimit(
      RateLimitRequest request, StreamObserver<RateLimitResponse> responseObserver) {
    CompletableFuture<RateLimitResponse> response;
    try {
      response = decide(request);
    } catch (InvalidDescriptorException e) {
      metrics.decision("unknown", "invalid");
      throttled.warn("invalid", () -> "rejected a rate-limit request: " + e.getMessage());
      responseObserver.onError(
          Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
      return;
    } catch (RuntimeException e) {
      response = CompletableFuture.failedFuture(e);
    }
    response.whenComplete(
        (r, error) -> {
          if (error != null) {
            LOG.error("rate-limit decision failed", unwrap(error));
            responseObserver.onError(
                Status.INTERNAL
                    .withDescription("rate-limit decision failed: " + unwrap(error))
                    .asRuntimeException());
          } else {
            responseObserver.onNext(r);
            responseObserver.onCompleted();
          }
        });
  }

  /**
   * Decides a request.
   *
   * @throws InvalidDescriptorException when the request is not one Tollgate's routes send
   */
  public CompletableFuture<RateLimitResponse> decide(RateLimitRequest request) {
    List<BudgetDescriptor> descriptors =
        BudgetDescriptor.parse(request, settings.maxTokensPerRequest());
    BudgetPolicy current = policy;
    Instant now = clock.instant();
    List<CompletableFuture<Outcome>> outcomes = new ArrayList<>(descriptors.size());
    for (BudgetDescriptor descriptor : descriptors) {
      outcomes.add(
          descriptor instanceof Reserve reserve
              ? reserve(current, reserve, now)
              : commit(current, (Commit) descriptor, now));
    }
    if (outcomes.size() == 1) {
      return outcomes.get(0).thenApply(o -> response(List.of(o)));
    }
    return CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new))
        .thenApply(v -> response(outcomes.stream().map(CompletableFuture::join).toList()));
  }

  /**
   * Returns the current usage of every live bucket of a quota, busiest first: what the operator
   * writes into the TokenQuota's status.
   */
  public CompletableFuture<List<BucketUsageReport>> usage(String namespace, String quota) {
    List<Budget> budgets = policy.budgetsOfQuota(namespace, quota);
    if (budgets.isEmpty()) {
      return CompletableFuture.completedFuture(List.of());
    }
    Instant now = clock.instant();
    Timer.Sample sample = Timer.start(metrics.registry());
    return store
        .usage(namespace, now)
        .whenComplete(
            (r, e) -> {
              sample.stop(metrics.storeLatency("usage"));
              if (e != null) {
                metrics.storeError("usage");
              }
            })
        .thenApply(readings -> reports(budgets, readings, namespace, quota, now));
  }

  /**
   * Housekeeping, run every few seconds: drops expired counters, retries commits that waited for
   * the store, and refreshes the gauge of live reservations.
   */
  public void maintain() {
    Instant now = clock.instant();
    store.maintain(now);
    retryPendingCommits();
    store
        .outstandingReservations(policy.namespaces(), now)
        .whenComplete(
            (count, error) -> {
              if (error == null) {
                metrics.outstanding(count);
              }
            });
  }

  /** Returns how many commits wait for the store to return. */
  public int pendingCommits() {
    synchronized (pending) {
      return pending.size();
    }
  }

  /** Retries the commits that failed while the store was away, oldest first, until one fails. */
  public void retryPendingCommits() {
    while (true) {
      PendingCommit next;
      synchronized (pending) {
        next = pending.peekFirst();
      }
      if (next == null) {
        return;
      }
      Timer.Sample sample = Timer.start(metrics.registry());
      CommitResult result;
      try {
        result =
            store
                .commit(
                    next.identity().namespace(),
                    next.requestId(),
                    next.charges().stream().map(PlannedCharge::toCharge).toList(),
                    !next.usage().isZero(),
                    clock.instant())
                .get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (ExecutionException e) {
        metrics.storeError("commit");
        return;
      } finally {
        sample.stop(metrics.storeLatency("commit"));
      }
      synchronized (pending) {
        pending.remove(next);
      }
      committed(next.policy(), next.identity(), next.usage(), next.charges(), result);
    }
  }

  private CompletableFuture<Outcome> reserve(BudgetPolicy current, Reserve d, Instant now) {
    List<PlannedCharge> planned = current.reserve(d.identity(), d.estimateTokens(), now);
    if (planned.isEmpty()) {
      metrics.decision("reserve", "ok");
      return CompletableFuture.completedFuture(Outcome.OK);
    }
    Timer.Sample sample = Timer.start(metrics.registry());
    return store
        .reserve(
            d.identity().namespace(),
            d.requestId(),
            charges(planned),
            now,
            now.plus(settings.reservationTtl()))
        .handle(
            (result, error) -> {
              sample.stop(metrics.storeLatency("reserve"));
              if (error != null) {
                return storeFailure(error);
              }
              return reserved(planned, result, now);
            });
  }

  private Outcome reserved(List<PlannedCharge> planned, ReserveResult result, Instant now) {
    crossings(planned, result.crossings(), result.states());
    metrics.budgets(planned, result.states());
    if (result.status() == ReserveResult.Status.ALREADY_COMMITTED) {
      metrics.decision("reserve", "ok");
      return Outcome.OK;
    }
    List<BucketState> states = result.states();
    if (result.status() == ReserveResult.Status.REJECTED) {
      metrics.decision("reserve", "over_limit");
      int blocked = result.blockedIndex();
      return new Outcome(
          Code.OVER_LIMIT,
          status(Code.OVER_LIMIT, planned.get(blocked), states.get(blocked), now),
          ResponseHeaders.of(planned, states, blocked, now));
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
    return new Outcome(
        Code.OK, status(Code.OK, planned.get(tightest), states.get(tightest), now), headers);
  }

  private CompletableFuture<Outcome> commit(BudgetPolicy current, Commit d, Instant now) {
    List<PlannedCharge> planned = current.commit(d.identity(), d.usage(), now);
    if (planned.isEmpty()) {
      countUsage(current, d.identity(), d.usage());
      metrics.decision("commit", "committed");
      return CompletableFuture.completedFuture(Outcome.OK);
    }
    Timer.Sample sample = Timer.start(metrics.registry());
    return store
        .commit(d.identity().namespace(), d.requestId(), charges(planned), !d.usage().isZero(), now)
        .handle(
            (result, error) -> {
              sample.stop(metrics.storeLatency("commit"));
              if (error != null) {
                metrics.storeError("commit");
                defer(new PendingCommit(current, d.identity(), d.requestId(), d.usage(), planned));
                throttled.warn(
                    "commit",
                    () ->
                        "budget store "
                            + store.name()
                            + " unavailable ("
                            + unwrap(error).getMessage()
                            + "); commits are kept in memory and retried");
                metrics.decision("commit", "deferred");
                return Outcome.OK;
              }
              committed(current, d.identity(), d.usage(), planned, result);
              return Outcome.OK;
            });
  }

  private void committed(
      BudgetPolicy current,
      RequestIdentity identity,
      Usage usage,
      List<PlannedCharge> planned,
      CommitResult result) {
    switch (result.status()) {
      case COMMITTED -> {
        countUsage(current, identity, usage);
        crossings(planned, result.crossings(), result.states());
        metrics.budgets(planned, result.states());
        metrics.decision("commit", "committed");
      }
      case DUPLICATE -> metrics.decision("commit", "duplicate");
      case NOTHING_COUNTED -> metrics.decision("commit", "nothing_counted");
    }
  }

  private void defer(PendingCommit commit) {
    synchronized (pending) {
      if (pending.size() >= settings.maxPendingCommits()) {
        pending.pollFirst();
        metrics.droppedCommit();
      }
      pending.addLast(commit);
    }
  }

  private void countUsage(BudgetPolicy current, RequestIdentity identity, Usage usage) {
    if (usage.isZero()) {
      return;
    }
    String model = current.knownModel(identity);
    metrics.tokens(identity.namespace(), model, usage);
    current
        .cost(identity, usage)
        .filter(c -> c.amount().signum() > 0)
        .ifPresent(c -> metrics.cost(identity.namespace(), model, c.currency(), c.amount()));
  }

  private Outcome storeFailure(Throwable error) {
    metrics.storeError("reserve");
    boolean open = settings.failureMode() == RateLimitSettings.FailureMode.OPEN;
    throttled.warn(
        "reserve",
        () ->
            "budget store "
                + store.name()
                + " unavailable ("
                + unwrap(error).getMessage()
                + "); "
                + (open
                    ? "allowing requests without budget checks (fail-open)"
                    : "rejecting requests (fail-closed)"));
    if (open) {
      metrics.decision("reserve", "fail_open");
      return Outcome.OK;
    }
    metrics.decision("reserve", "fail_closed");
    return new Outcome(
        Code.OVER_LIMIT,
        DescriptorStatus.newBuilder().setCode(Code.OVER_LIMIT).build(),
        List.of(
            ResponseHeaders.header("retry-after", "1"),
            ResponseHeaders.header(
                ResponseHeaders.WARNING,
                "budgets cannot be checked right now; the request was refused (fail-closed)")));
  }

  private void crossings(
      List<PlannedCharge> planned, List<Crossing> crossings, List<BucketState> states) {
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

  private static List<BucketUsageReport> reports(
      List<Budget> budgets,
      List<BucketReading> readings,
      String namespace,
      String quota,
      Instant now) {
    List<BucketUsageReport> reports = new ArrayList<>();
    for (BucketReading reading : readings) {
      Optional<BucketKey> key = BucketKey.parse(namespace, reading.bucketId());
      if (key.isEmpty() || !key.get().quota().equals(quota)) {
        continue;
      }
      BucketKey k = key.get();
      for (Budget budget : budgets) {
        WindowSpan span = budget.span(now);
        if (budget.limit().name().equals(k.limit())
            && budget.limit().type() == k.type()
            && budget.limit().window() == k.window()
            && span.start().getEpochSecond() == k.windowStart()) {
          long total = reading.used() + reading.reserved();
          reports.add(
              new BucketUsageReport(
                  budget.limit().name(),
                  k.label(),
                  budget.unit(),
                  budget.amountOf(budget.limitUnits()),
                  budget.amountOf(reading.used()),
                  budget.amountOf(reading.reserved()),
                  budget.amountOf(Math.max(0, budget.limitUnits() - total)),
                  ResponseHeaders.percent(total, budget.limitUnits()),
                  span.end()));
        }
      }
    }
    reports.sort(
        Comparator.comparingLong(BucketUsageReport::percentUsed)
            .reversed()
            .thenComparing(BucketUsageReport::limit)
            .thenComparing(BucketUsageReport::bucket));
    return reports;
  }

  private static DescriptorStatus status(
      Code code, PlannedCharge charge, BucketState state, Instant now) {
    Budget budget = charge.budget();
    return DescriptorStatus.newBuilder()
        .setCode(code)
        .setCurrentLimit(
            RateLimitResponse.RateLimit.newBuilder()
                .setName(budget.quota() + "/" + budget.limit().name())
                .setRequestsPerUnit((int) Math.min(UINT32_MAX, budget.limitUnits()))
                .setUnit(unit(budget.limit().window())))
        .setLimitRemaining((int) Math.min(UINT32_MAX, ResponseHeaders.remaining(charge, state)))
        .setDurationUntilReset(protoDuration(charge.window().remaining(now)))
        .build();
  }

  private static RateLimitResponse.RateLimit.Unit unit(Window window) {
    return switch (window) {
      case MINUTE -> RateLimitResponse.RateLimit.Unit.MINUTE;
      case HOUR -> RateLimitResponse.RateLimit.Unit.HOUR;
      case DAY -> RateLimitResponse.RateLimit.Unit.DAY;
      case MONTH -> RateLimitResponse.RateLimit.Unit.MONTH;
    };
  }

  private static com.google.protobuf.Duration protoDuration(java.time.Duration duration) {
    return com.google.protobuf.Duration.newBuilder()
        .setSeconds(duration.getSeconds())
        .setNanos(duration.getNano())
        .build();
  }

  private static double share(PlannedCharge charge, BucketState state) {
    long limit = charge.budget().limitUnits();
    return limit <= 0 ? 0 : (double) ResponseHeaders.remaining(charge, state) / limit;
  }

  private static List<Charge> charges(List<PlannedCharge> planned) {
    List<Charge> charges = new ArrayList<>(planned.size());
    for (PlannedCharge charge : planned) {
      charges.add(charge.toCharge());
    }
    return charges;
  }

  private static RateLimitResponse response(List<Outcome> outcomes) {
    boolean over = outcomes.stream().anyMatch(o -> o.code() == Code.OVER_LIMIT);
    RateLimitResponse.Builder response =
        RateLimitResponse.newBuilder().setOverallCode(over ? Code.OVER_LIMIT : Code.OK);
    Map<String, HeaderValue> headers = new LinkedHashMap<>();
    // The headers of a rejecting descriptor explain the rejection, so they win.
    for (boolean rejecting : new boolean[] {true, false}) {
      for (Outcome outcome : outcomes) {
        if ((outcome.code() == Code.OVER_LIMIT) == rejecting) {
          outcome.headers().forEach(h -> headers.putIfAbsent(h.getKey(), h));
        }
      }
    }
    outcomes.forEach(o -> response.addStatuses(o.status()));
    response.addAllResponseHeadersToAdd(headers.values());
    return response.build();
  }

  private static Throwable unwrap(Throwable error) {
    Throwable t = error;
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  private record Outcome(Code code, DescriptorStatus status, List<HeaderValue> headers) {
    static final Outcome OK =
        new Outcome(Code.OK, DescriptorStatus.newBuilder().setCode(Code.OK).build(), List.of());
  }

  private record PendingCommit(
      BudgetPolicy policy,
      RequestIdentity identity,
      String requestId,
      Usage usage,
      List<PlannedCharge> charges) {}
}
