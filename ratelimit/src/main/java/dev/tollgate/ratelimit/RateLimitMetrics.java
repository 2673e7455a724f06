package dev.tollgate.ratelimit;

import dev.tollgate.ratelimit.store.BucketState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
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
 *       store to return, and those dropped because too many waited;
 *   <li>{@code tollgate.ratelimit.budget.remaining} [..._budget_remaining] and {@code
 *       tollgate.ratelimit.budget.amount} [..._budget_amount] by {@code namespace}, {@code quota},
 *       {@code limit}, {@code bucket} (e.g. {@code client=alice,model=fast}) and {@code unit}
 *       (tokens, requests or a currency): what is left of a bucket's budget in its current window,
 *       and the budget, in that unit. Set from the counters the store returns on every reservation
 *       and commit; once the window has ended, remaining is the whole amount. Each replica reports
 *       what it last saw, so with several replicas take {@code min by (...)} of remaining. Gauges
 *       of budgets that no longer exist are removed by {@link #retain}; at most {@link
 *       #MAX_CLIENT_BUCKETS_PER_NAMESPACE} per-client buckets of a namespace have gauges, those of
 *       a bucket whose window ended making room for a new one;
 * </ul>
 *
 * <p>Thread-safe.
 */
public final class RateLimitMetrics {
  private final MeterRegistry registry;
  private final String store;
  private final Clock clock;

  /** Per-client buckets with gauges per namespace; the rest are enforced but not exported. */
  static final int MAX_CLIENT_BUCKETS_PER_NAMESPACE = 1000;

  private final ConcurrentHashMap<LevelKey, BudgetLevel> levels = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, AtomicInteger> clientLevels = new ConcurrentHashMap<>();
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
   * @param clock tells when a bucket's window has ended
   */
  public RateLimitMetrics(
      MeterRegistry registry, String store, IntSupplier pendingCommits, Clock clock) {
    this.registry = registry;
    this.store = store;
    this.clock = clock;
    Gauge.builder("tollgate.ratelimit.reservations.outstanding", outstanding, AtomicLong::get)
        .description("Live reservations of every namespace with budgets")
        .register(registry);
    // Gauges hold their object weakly; nothing else holds this method reference.
    Gauge.builder("tollgate.ratelimit.commits.pending", pendingCommits, IntSupplier::getAsInt)
        .description("Commits waiting for the budget store to return")
        .strongReference(true)
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

  /**
   * Sets the budget gauges of charged buckets from their counters after a reservation or commit.
   *
   * @param charges the charges, in store order
   * @param states the buckets' counters, in the same order
   */
  public void budgets(List<PlannedCharge> charges, List<BucketState> states) {
    int count = Math.min(charges.size(), states.size());
    for (int i = 0; i < count; i++) {
      PlannedCharge charge = charges.get(i);
      BucketKey bucket = charge.bucket();
      LevelKey key =
          new LevelKey(
              bucket.quotaNamespace(),
              bucket.quota(),
              bucket.limit(),
              bucket.namespace(),
              bucket.client(),
              bucket.model());
      BudgetLevel level = levels.get(key);
      if (level == null) {
        if (!admit(key)) {
          continue;
        }
        boolean[] created = {false};
        level =
            levels.computeIfAbsent(
                key,
                k -> {
                  created[0] = true;
                  return register(charge);
                });
        if (!created[0]) {
          release(key);
        }
      }
      level.observe(charge.budget(), states.get(i).total(), charge.window().end());
    }
  }

  /**
   * Keeps the budget gauges of limits the policy still has, with their new amounts, and removes the
   * others: a limit that is gone, or whose type, window, time zone or unit changed (a new counter).
   */
  public void retain(BudgetPolicy policy) {
    Iterator<Map.Entry<LevelKey, BudgetLevel>> it = levels.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<LevelKey, BudgetLevel> entry = it.next();
      LevelKey key = entry.getKey();
      BudgetLevel level = entry.getValue();
      Optional<Budget> next =
          policy.budgetsOfQuota(key.namespace(), key.quota()).stream()
              .filter(b -> b.limit().name().equals(key.limit()))
              .findFirst()
              .map(b -> b.forClient(key.client()));
      if (next.isPresent() && level.sameCounter(next.get())) {
        level.amend(next.get());
      } else {
        it.remove();
        unregister(key, level);
      }
    }
  }

  /**
   * Whether a bucket gets gauges, taking its slot: every shared bucket does; per-client buckets (a
   * JWT client is whatever its claim says) up to {@link #MAX_CLIENT_BUCKETS_PER_NAMESPACE} per
   * namespace, making room by dropping the gauges of a client bucket of that namespace whose window
   * has ended.
   */
  private boolean admit(LevelKey key) {
    if (key.client() == null) {
      return true;
    }
    AtomicInteger count =
        clientLevels.computeIfAbsent(key.bucketNamespace(), k -> new AtomicInteger());
    if (count.incrementAndGet() <= MAX_CLIENT_BUCKETS_PER_NAMESPACE) {
      return true;
    }
    count.decrementAndGet();
    Instant now = clock.instant();
    for (Map.Entry<LevelKey, BudgetLevel> e : levels.entrySet()) {
      LevelKey other = e.getKey();
      if (other.client() != null
          && other.bucketNamespace().equals(key.bucketNamespace())
          && e.getValue().endedBefore(now)
          && levels.remove(other, e.getValue())) {
        unregister(other, e.getValue());
        count.incrementAndGet();
        return true;
      }
    }
    return false;
  }

  private void unregister(LevelKey key, BudgetLevel level) {
    registry.remove(level.remaining);
    registry.remove(level.amount);
    release(key);
  }

  private void release(LevelKey key) {
    if (key.client() != null) {
      clientLevels
          .computeIfAbsent(key.bucketNamespace(), k -> new AtomicInteger())
          .decrementAndGet();
    }
  }

  private BudgetLevel register(PlannedCharge charge) {
    Budget budget = charge.budget();
    BudgetLevel level = new BudgetLevel(budget);
    Tags tags =
        Tags.of(
            "namespace", budget.namespace(),
            "quota", budget.quota(),
            "limit", budget.limit().name(),
            "bucket", charge.bucket().label(),
            "unit", budget.unit());
    level.remaining =
        Gauge.builder("tollgate.ratelimit.budget.remaining", level, BudgetLevel::remaining)
            .description(
                "What is left of a bucket's budget in its current window, as this replica last"
                    + " saw it")
            .tags(tags)
            .register(registry);
    level.amount =
        Gauge.builder("tollgate.ratelimit.budget.amount", level, BudgetLevel::amount)
            .description("The budget of a bucket per window")
            .tags(tags)
            .register(registry);
    return level;
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

  /** A bucket regardless of its window: one pair of gauges. */
  private record LevelKey(
      String namespace,
      String quota,
      String limit,
      String bucketNamespace,
      String client,
      String model) {}

  /** The last counters seen of one bucket. */
  private final class BudgetLevel {
    private Gauge remaining;
    private Gauge amount;
    private Budget budget;
    private long total;
    private Instant windowEnd = Instant.EPOCH;

    BudgetLevel(Budget budget) {
      this.budget = budget;
    }

    synchronized void observe(Budget current, long counted, Instant end) {
      // A reply of an earlier window that arrives late must not hide the current one.
      if (end.isBefore(windowEnd)) {
        return;
      }
      budget = current;
      total = counted;
      windowEnd = end;
    }

    synchronized boolean endedBefore(Instant now) {
      return !now.isBefore(windowEnd);
    }

    synchronized boolean sameCounter(Budget next) {
      return next.limit().type() == budget.limit().type()
          && next.limit().window() == budget.limit().window()
          && next.zone().equals(budget.zone())
          && next.unit().equals(budget.unit());
    }

    synchronized void amend(Budget next) {
      budget = next;
    }

    synchronized double remaining() {
      long left =
          clock.instant().isBefore(windowEnd)
              ? Math.max(0, budget.limitUnits() - total)
              : budget.limitUnits();
      return budget.amountOf(left).doubleValue();
    }

    synchronized double amount() {
      return budget.amountOf(budget.limitUnits()).doubleValue();
    }
  }
}
