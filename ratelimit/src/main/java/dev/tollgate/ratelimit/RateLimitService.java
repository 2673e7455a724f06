package dev.tollgate.ratelimit;

import dev.tollgate.model.GatewayModel;
import dev.tollgate.ratelimit.BudgetDescriptor.Commit;
import dev.tollgate.ratelimit.BudgetDescriptor.Reserve;
import dev.tollgate.ratelimit.store.BucketReading;
import dev.tollgate.ratelimit.store.BudgetStore;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
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

  private final BudgetStore store;
  private final RateLimitSettings settings;
  private final Clock clock;
  private final RateLimitMetrics metrics;
  private final Reserver reserver;
  private final Committer committer;
  private final ThrottledLog throttled;
  private final TierChecks tiers;
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
    BudgetCrossings crossings = new BudgetCrossings(metrics);
    this.reserver = new Reserver(store, settings, metrics, throttled, crossings);
    this.committer = new Committer(store, settings, clock, metrics, throttled, crossings);
    this.tiers = new TierChecks(store, metrics);
    this.policy = BudgetPolicy.of(model);
  }

  /** Applies a changed model to every decision from now on. */
  public void update(GatewayModel model) {
    if (policy.version().equals(model.version())) {
      // The version is the model's content hash: the service started with this model (tollgate
      // run hands it the first build before publishing it), and 5,000 routes cost a second to read.
      return;
    }
    BudgetPolicy next = BudgetPolicy.of(model);
    BudgetPolicy previous = policy;
    policy = next;
    metrics.retain(next);
    if (!next.version().equals(previous.version())) {
      LOG.info(
          "budgets updated to model {} ({} namespaces)", next.version(), next.namespaces().size());
    }
  }

  /** The largest estimate or token count a descriptor may carry. */
  long maxTokensPerRequest() {
    return settings.maxTokensPerRequest();
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
            LOG.error("rate-limit decision failed", Futures.unwrap(error));
            responseObserver.onError(
                Status.INTERNAL
                    .withDescription("rate-limit decision failed: " + Futures.unwrap(error))
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
    List<CompletableFuture<DescriptorOutcome>> outcomes = new ArrayList<>(descriptors.size());
    for (BudgetDescriptor descriptor : descriptors) {
      outcomes.add(
          descriptor instanceof Reserve reserve
              ? reserver.reserve(current, reserve, now)
              : committer.commit(current, (Commit) descriptor, now));
    }
    if (outcomes.size() == 1) {
      return outcomes.get(0).thenApply(o -> DescriptorOutcome.response(List.of(o)));
    }
    return CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new))
        .thenApply(
            v ->
                DescriptorOutcome.response(
                    outcomes.stream().map(CompletableFuture::join).toList()));
  }

  /**
   * Decides whether a request of a tiered rule falls to its cheaper tier (docs/governance.md,
   * "Tiered use when budgets run low"): reads, without changing them, the buckets the request would
   * reserve against.
   *
   * @param identity who asks for what, as the reserve descriptor would say
   * @param estimateTokens the tokens the reserve would ask for
   * @param atWarn whether the rule falls at the warn threshold too, not only when exhausted
   */
  public CompletableFuture<TierDecision> tierCheck(
      RequestIdentity identity, long estimateTokens, boolean atWarn) {
    return tiers.check(policy, identity, estimateTokens, atWarn, clock.instant());
  }

  /**
   * Commits a request's usage for the processor and answers what the request is settled at
   * (ledger/README.md, "Aborted streams"): this usage when this commit is the first, the first
   * commit's when Envoy's stream-done commit (or an earlier settlement) came before. Idempotent by
   * request id, like Envoy's commit.
   */
  public CompletableFuture<Usage> settle(Commit commit) {
    return committer.settle(policy, commit, clock.instant());
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
    Map<String, CompletableFuture<List<BucketReading>>> reads = new TreeMap<>();
    for (String bucketNamespace : policy.bucketNamespaces(namespace, quota)) {
      Timer.Sample sample = Timer.start(metrics.registry());
      reads.put(
          bucketNamespace,
          store
              .usage(bucketNamespace, now)
              .whenComplete(
                  (r, e) -> {
                    sample.stop(metrics.storeLatency("usage"));
                    if (e != null) {
                      metrics.storeError("usage");
                    }
                  }));
    }
    return CompletableFuture.allOf(reads.values().toArray(CompletableFuture[]::new))
        .thenApply(
            v -> {
              Map<String, List<BucketReading>> readings = new TreeMap<>();
              reads.forEach((ns, read) -> readings.put(ns, read.join()));
              return UsageReports.of(budgets, readings, namespace, quota, now);
            });
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
    // The gauge that reads this is registered before the committer exists.
    Committer c = committer;
    return c == null ? 0 : c.pendingCount();
  }

  /** Retries the commits that failed while the store was away, oldest first, until one fails. */
  public void retryPendingCommits() {
    committer.retryPending();
  }
}
