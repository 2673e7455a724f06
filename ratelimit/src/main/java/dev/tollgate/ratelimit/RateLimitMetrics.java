package dev.tollgate.ratelimit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.math.BigDecimal;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;

/**
 * The meters of the rate-limit service (Prometheus names in brackets).
 *
 * <ul>
 *   <li>{@code tollgate.ratelimit.decisions} [tollgate_ratelimit_decisions_total] by {@code phase}
 *       (reserve, commit, unknown) and {@code result}: for reserve ok, warned, over_limit,
 *       fail_open, fail_closed, invalid; for commit committed, duplicate, nothing_counted,
 *       deferred, invalid;
 *   <li>{@code tollgate.ratelimit.tokens.committed} [..._tokens_committed_total] by {@code
 *       namespace}, {@code model} and {@code kind} (input, cached_input, output);
 *   <li>{@code tollgate.ratelimit.cost.committed} [..._cost_committed_total] by {@code namespace},
 *       {@code model} and {@code currency};
 *   <li>{@code tollgate.ratelimit.reservations.outstanding} [..._reservations_outstanding]: live
 *       reservations of every namespace with budgets, refreshed by maintenance;
 *   <li>{@code tollgate.ratelimit.store.latency} [..._store_latency_seconds] by {@code store} and
 *       {@code operation};
 *   <li>{@code tollgate.ratelimit.store.errors} [..._store_errors_total] by {@code store} and
 *       {@code operation};
 *   <li>{@code tollgate.ratelimit.budget.crossings} [..._budget_crossings_total] by {@code
 *       namespace}, {@code quota}, {@code limit} and {@code threshold} (warn, limit): once per
 *       bucket and window;
 *   <li>{@code tollgate.ratelimit.commits.pending} [..._commits_pending] and {@code
 *       tollgate.ratelimit.commits.dropped} [..._commits_dropped_total]: commits waiting for the
 *       store to return, and those dropped because too many waited.
 * </ul>
 *
 * <p>Thread-safe.
 */
public final class RateLimitMetrics {
  private final MeterRegistry registry;
  private final String store;
  private final ConcurrentHashMap<String, Counter> decisions = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Timer> latency = new ConcurrentHashMap<>();
  private final AtomicLong outstanding = new AtomicLong();
  private final Counter dropped;

  /**
   * Registers the meters.
   *
   * @param registry where to register
   * @param store name of the store, a tag of store meters
   * @param pendingCommits reads how many commits wait for a retry
   */
  public RateLimitMetrics(MeterRegistry registry, String store, IntSupplier pendingCommits) {
    this.registry = registry;
    this.store = store;
    Gauge.builder("tollgate.ratelimit.reservations.outstanding", outstanding, AtomicLong::get)
        .description("Live reservations of every namespace with budgets")
        .register(registry);
    Gauge.builder("tollgate.ratelimit.commits.pending", pendingCommits, IntSupplier::getAsInt)
        .description("Commits waiting for the budget store to return")
        .register(registry);
    dropped =
        Counter.builder("tollgate.ratelimit.commits.dropped")
            .description("Commits dropped because too many waited for the store")
            .register(registry);
  }

  /** Returns the registry the meters are in. */
  public MeterRegistry registry() {
    return registry;
  }

  /** Counts one decision. */
  public void decision(String phase, String result) {
    decisions
        .computeIfAbsent(
            phase + "/" + result,
            k ->
                Counter.builder("tollgate.ratelimit.decisions")
                    .description("Rate-limit decisions")
                    .tag("phase", phase)
                    .tag("result", result)
                    .register(registry))
        .increment();
  }

  /** Counts committed tokens. */
  public void tokens(String namespace, String model, Usage usage) {
    add(namespace, model, "input", usage.inputTokens() - usage.cachedInputTokens());
    add(namespace, model, "cached_input", usage.cachedInputTokens());
    add(namespace, model, "output", usage.outputTokens());
  }

  /** Counts committed cost. */
  public void cost(String namespace, String model, String currency, BigDecimal amount) {
    Counter.builder("tollgate.ratelimit.cost.committed")
        .description("Cost of committed usage, from the providers' prices")
        .tag("namespace", namespace)
        .tag("model", model)
        .tag("currency", currency)
        .register(registry)
        .increment(amount.doubleValue());
  }

  /** Returns the timer of one store operation. */
  public Timer storeLatency(String operation) {
    return latency.computeIfAbsent(
        operation,
        op ->
            Timer.builder("tollgate.ratelimit.store.latency")
                .description("Latency of budget store operations")
                .tag("store", store)
                .tag("operation", op)
                .publishPercentileHistogram()
                .register(registry));
  }

  /** Counts one failed store operation. */
  public void storeError(String operation) {
    Counter.builder("tollgate.ratelimit.store.errors")
        .description("Budget store operations that failed")
        .tag("store", store)
        .tag("operation", operation)
        .register(registry)
        .increment();
  }

  /** Counts a budget crossing a threshold. */
  public void crossing(Budget budget, String threshold) {
    Counter.builder("tollgate.ratelimit.budget.crossings")
        .description("Budgets that reached a threshold, once per bucket and window")
        .tag("namespace", budget.namespace())
        .tag("quota", budget.quota())
        .tag("limit", budget.limit().name())
        .tag("threshold", threshold)
        .register(registry)
        .increment();
  }

  /** Sets the number of live reservations. */
  public void outstanding(long value) {
    outstanding.set(value);
  }

  /** Counts a commit dropped from the retry queue. */
  public void droppedCommit() {
    dropped.increment();
  }

  private void add(String namespace, String model, String kind, long tokens) {
    if (tokens <= 0) {
      return;
    }
    Counter.builder("tollgate.ratelimit.tokens.committed")
        .description("Tokens of committed usage")
        .tag("namespace", namespace)
        .tag("model", model)
        .tag("kind", kind)
        .register(registry)
        .increment(tokens);
  }
}
