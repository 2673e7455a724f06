package dev.tollgate.ratelimit;

import dev.tollgate.ratelimit.BudgetDescriptor.Commit;
import dev.tollgate.ratelimit.store.BudgetStore;
import dev.tollgate.ratelimit.store.CommitResult;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * The commit phase: at stream end, replaces a request's reservation with its actual usage and
 * counts its tokens and cost. Commits the store cannot take are kept in memory, up to a bound, and
 * retried by {@link #retryPending}. Thread-safe; only {@link #retryPending} blocks.
 */
final class Committer {
  private final BudgetStore store;
  private final RateLimitSettings settings;
  private final Clock clock;
  private final RateLimitMetrics metrics;
  private final ThrottledLog throttled;
  private final BudgetCrossings crossings;
  private final ArrayDeque<PendingCommit> pending = new ArrayDeque<>();

  private record PendingCommit(
      BudgetPolicy policy,
      RequestIdentity identity,
      String requestId,
      Usage usage,
      List<PlannedCharge> charges) {}

  Committer(
      BudgetStore store,
      RateLimitSettings settings,
      Clock clock,
      RateLimitMetrics metrics,
      ThrottledLog throttled,
      BudgetCrossings crossings) {
    this.store = store;
    this.settings = settings;
    this.clock = clock;
    this.metrics = metrics;
    this.throttled = throttled;
    this.crossings = crossings;
  }

  /** Decides a commit descriptor under the budgets in force; always allowed. */
  CompletableFuture<DescriptorOutcome> commit(BudgetPolicy current, Commit d, Instant now) {
    return settle(current, d, now).thenApply(settled -> DescriptorOutcome.OK);
  }

  /**
   * Commits as {@link #commit} does and answers what the request is settled at: this commit's usage
   * when it counted (or when the store is away and it waits to be retried), the first commit's when
   * the request was committed before (Envoy's stream-done commit or the processor's, whichever came
   * first).
   */
  CompletableFuture<Usage> settle(BudgetPolicy current, Commit d, Instant now) {
    List<PlannedCharge> planned = current.commit(d.identity(), d.usage(), now);
    if (planned.isEmpty()) {
      countUsage(current, d.identity(), d.usage());
      metrics.decision("commit", "committed");
      return CompletableFuture.completedFuture(d.usage());
    }
    Timer.Sample sample = Timer.start(metrics.registry());
    return store
        .commit(
            d.identity().namespace(),
            d.requestId(),
            PlannedCharge.toCharges(planned),
            !d.usage().isZero(),
            now,
            d.usage().settlement())
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
                            + Futures.unwrap(error).getMessage()
                            + "); commits are kept in memory and retried");
                metrics.decision("commit", "deferred");
                return d.usage();
              }
              committed(current, d.identity(), d.usage(), planned, result);
              Usage first =
                  result.status() == CommitResult.Status.DUPLICATE
                      ? Usage.ofSettlement(result.settlement())
                      : null;
              return first == null ? d.usage() : first;
            });
  }

  /** How many commits wait for the store to return. */
  int pendingCount() {
    synchronized (pending) {
      return pending.size();
    }
  }

  /** Retries the commits that failed while the store was away, oldest first, until one fails. */
  void retryPending() {
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
                    PlannedCharge.toCharges(next.charges()),
                    !next.usage().isZero(),
                    clock.instant(),
                    next.usage().settlement())
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

  private void committed(
      BudgetPolicy current,
      RequestIdentity identity,
      Usage usage,
      List<PlannedCharge> planned,
      CommitResult result) {
    switch (result.status()) {
      case COMMITTED -> {
        countUsage(current, identity, usage);
        crossings.report(planned, result.crossings(), result.states());
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
}
