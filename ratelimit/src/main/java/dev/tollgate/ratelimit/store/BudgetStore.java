package dev.tollgate.ratelimit.store;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Budget counters with reserve-then-commit accounting, keyed by request id.
 *
 * <p>Every bucket of one call lies in one namespace, and each call is atomic across its buckets.
 * Time is always passed in, so that windows and expiries follow the caller's clock. Failures
 * complete the future with {@link StoreUnavailableException}. Implementations are thread-safe.
 */
public interface BudgetStore extends AutoCloseable {

  /** Returns a short name for metrics: memory or redis. */
  String name();

  /**
   * Reserves each charge's amount, unless some enforced bucket's used + reserved + amount exceeds
   * its limit, in which case nothing changes. Reserving twice for one request id changes nothing
   * the second time.
   *
   * @param namespace namespace of every bucket
   * @param requestId the reservation's key
   * @param charges the buckets and amounts
   * @param now the current time
   * @param expiresAt when the reservation stops holding budget if no commit comes
   */
  CompletableFuture<ReserveResult> reserve(
      String namespace, String requestId, List<Charge> charges, Instant now, Instant expiresAt);

  /**
   * Releases the request's reservation, if live, and adds the actual usage to each charge's bucket
   * whose window has not ended. Idempotent by request id. When no live reservation is held and
   * {@code countWithoutReservation} is false, nothing is counted: the request was rejected at the
   * start.
   */
  default CompletableFuture<CommitResult> commit(
      String namespace,
      String requestId,
      List<Charge> charges,
      boolean countWithoutReservation,
      Instant now) {
    return commit(namespace, requestId, charges, countWithoutReservation, now, "");
  }

  /**
   * Commits as {@link #commit(String, String, List, boolean, Instant)} does, and keeps {@code
   * settlement} (what this commit counted, as the caller writes it; no spaces) with the commit's
   * marker: a repeated commit of the request counts nothing and returns the first one's settlement
   * in {@link CommitResult#settlement()}, so whoever commits second learns what was settled.
   */
  CompletableFuture<CommitResult> commit(
      String namespace,
      String requestId,
      List<Charge> charges,
      boolean countWithoutReservation,
      Instant now,
      String settlement);

  /** Releases the request's reservation without counting usage; false when none was held. */
  CompletableFuture<Boolean> release(String namespace, String requestId, Instant now);

  /**
   * Reads the counters of the charges' buckets, in their order, without changing them (a bucket
   * never charged reads 0, 0): what a tiered rule's processor asks before it routes.
   */
  CompletableFuture<List<BucketState>> read(String namespace, List<Charge> charges, Instant now);

  /**
   * Counts one request of a tiered rule that fell to its tier because of the charge's bucket, in
   * the bucket's current window (nothing is counted once the window has ended). The count lives
   * with the bucket's counters, so it is the same whichever replica reads it, and it ends with the
   * window; a bucket nothing was charged to yet is created empty. Changes no other counter.
   *
   * @return the bucket's count after this one (0 when the window has ended)
   */
  CompletableFuture<Long> countFall(String namespace, Charge charge, Instant now);

  /** Returns the live buckets of a namespace, sorted by id. */
  CompletableFuture<List<BucketReading>> usage(String namespace, Instant now);

  /** Returns how many live reservations the namespaces hold. */
  CompletableFuture<Long> outstandingReservations(Collection<String> namespaces, Instant now);

  /** Drops what has expired; stores that expire by themselves do nothing. */
  default void maintain(Instant now) {}

  /** Releases connections and threads. */
  @Override
  void close();
}
