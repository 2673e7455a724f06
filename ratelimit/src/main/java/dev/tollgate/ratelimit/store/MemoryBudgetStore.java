package dev.tollgate.ratelimit.store;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Budget counters in this JVM: for one replica and the standalone mode.
 *
 * <p>Thread-safe: each namespace has one lock, which makes a call atomic across its buckets (every
 * bucket of a call lies in one namespace). Memory is bounded: buckets of ended windows, expired
 * reservations and old commit markers are dropped by {@link #maintain} and lazily on use, and when
 * the live buckets or reservations reach their maximum, calls fail with {@link
 * StoreUnavailableException} rather than forget usage.
 */
public final class MemoryBudgetStore implements BudgetStore {
  private final int maxBuckets;
  private final int maxReservations;
  private final Duration commitRetention;
  private final ConcurrentHashMap<String, Space> spaces = new ConcurrentHashMap<>();
  private final AtomicInteger buckets = new AtomicInteger();
  private final AtomicInteger reservations = new AtomicInteger();

  /**
   * Creates a store.
   *
   * @param maxBuckets most live buckets
   * @param maxReservations most live reservations (and most remembered commits)
   * @param commitRetention how long a commit is remembered, so a repeated one changes nothing
   */
  public MemoryBudgetStore(int maxBuckets, int maxReservations, Duration commitRetention) {
    this.maxBuckets = maxBuckets;
    this.maxReservations = maxReservations;
    this.commitRetention = commitRetention;
  }

  /**
   * How long the default store remembers a commit. The repeats it guards against (for an aborted
   * stream, Envoy's backstop commit and the processor's settlement of the same request; a
   * settlement the processor asked again) arrive within seconds of each other: this store is in the
   * service's own process, so no commit waits out a store outage (Redis keeps 30 minutes for
   * those). Each remembered commit costs about 290 bytes of heap: 5 minutes at 500 requests/s is
   * about 40 MiB, where 30 minutes would be about 250 MiB.
   */
  public static final Duration DEFAULT_COMMIT_RETENTION = Duration.ofMinutes(5);

  /**
   * Creates a store with room for 100,000 buckets and 1,000,000 reservations, remembering commits
   * for {@link #DEFAULT_COMMIT_RETENTION}.
   */
  public static MemoryBudgetStore withDefaults() {
    return new MemoryBudgetStore(100_000, 1_000_000, DEFAULT_COMMIT_RETENTION);
  }

  @Override
  public String name() {
    return "memory";
  }

  @Override
  public CompletableFuture<ReserveResult> reserve(
      String namespace, String requestId, List<Charge> charges, Instant now, Instant expiresAt) {
    try {
      return CompletableFuture.completedFuture(
          space(namespace).reserve(requestId, charges, now, expiresAt));
    } catch (StoreUnavailableException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public CompletableFuture<CommitResult> commit(
      String namespace,
      String requestId,
      List<Charge> charges,
      boolean countWithoutReservation,
      Instant now,
      String settlement) {
    try {
      return CompletableFuture.completedFuture(
          space(namespace).commit(requestId, charges, countWithoutReservation, now, settlement));
    } catch (StoreUnavailableException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public CompletableFuture<Boolean> release(String namespace, String requestId, Instant now) {
    return CompletableFuture.completedFuture(space(namespace).release(requestId, now));
  }

  @Override
  public CompletableFuture<List<BucketState>> read(
      String namespace, List<Charge> charges, Instant now) {
    Space space = spaces.get(namespace);
    return CompletableFuture.completedFuture(
        space == null
            ? charges.stream().map(c -> new BucketState(0, 0)).toList()
            : space.read(charges, now));
  }

  @Override
  public CompletableFuture<Long> countFall(String namespace, Charge charge, Instant now) {
    try {
      return CompletableFuture.completedFuture(space(namespace).countFall(charge, now));
    } catch (StoreUnavailableException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public CompletableFuture<List<BucketReading>> usage(String namespace, Instant now) {
    Space space = spaces.get(namespace);
    return CompletableFuture.completedFuture(space == null ? List.of() : space.readings(now));
  }

  @Override
  public CompletableFuture<Long> outstandingReservations(
      Collection<String> namespaces, Instant now) {
    long total = 0;
    for (String namespace : namespaces) {
      Space space = spaces.get(namespace);
      if (space != null) {
        total += space.liveReservations(now);
      }
    }
    return CompletableFuture.completedFuture(total);
  }

  @Override
  public void maintain(Instant now) {
    for (Space space : spaces.values()) {
      space.maintain(now);
    }
  }

  @Override
  public void close() {
    spaces.clear();
  }

  // Spaces are never removed: a thread holding one must not write into an orphan. Only
  // namespaces that have budgets reach the store, so there are few.
  private Space space(String namespace) {
    return spaces.computeIfAbsent(namespace, ns -> new Space());
  }

  private static final class Bucket {
    final Instant windowEnd;
    long used;
    long reserved;
    long falls;
    boolean warned;
    boolean over;

    Bucket(Instant windowEnd) {
      this.windowEnd = windowEnd;
    }

    BucketState state() {
      return new BucketState(used, reserved);
    }
  }

  private record Hold(Instant expiresAt, List<String> bucketIds, long[] amounts) {}

  private record Expiry(Instant at, String requestId) {}

  private record Marker(Instant until, String requestId) {}

  private record Remembered(Instant until, String settlement) {}

  private final class Space {
    private final Map<String, Bucket> buckets = new HashMap<>();
    private final Map<String, Hold> holds = new HashMap<>();
    private final TreeSet<Expiry> expiries =
        new TreeSet<>(Comparator.comparing(Expiry::at).thenComparing(Expiry::requestId));
    private final Map<String, Remembered> committed = new HashMap<>();
    private final ArrayDeque<Marker> markers = new ArrayDeque<>();

    synchronized ReserveResult reserve(
        String requestId, List<Charge> charges, Instant now, Instant expiresAt) {
      expire(now);
      if (isCommitted(requestId, now)) {
        return new ReserveResult(ReserveResult.Status.ALREADY_COMMITTED, -1, List.of(), List.of());
      }
      if (holds.containsKey(requestId)) {
        return new ReserveResult(
            ReserveResult.Status.ALREADY_RESERVED, -1, states(charges), List.of());
      }
      for (int i = 0; i < charges.size(); i++) {
        Charge charge = charges.get(i);
        Bucket bucket = buckets.get(charge.bucketId());
        long total = bucket == null ? 0 : bucket.used + bucket.reserved;
        if (charge.enforced() && total + charge.amount() > charge.limit()) {
          return new ReserveResult(ReserveResult.Status.REJECTED, i, states(charges), List.of());
        }
      }
      ensureRoom(charges, now, true);
      List<Crossing> crossings = new ArrayList<>();
      List<String> ids = new ArrayList<>(charges.size());
      long[] amounts = new long[charges.size()];
      for (int i = 0; i < charges.size(); i++) {
        Charge charge = charges.get(i);
        Bucket bucket = bucket(charge);
        bucket.reserved += charge.amount();
        ids.add(charge.bucketId());
        amounts[i] = charge.amount();
        cross(bucket, charge, i, crossings);
      }
      holds.put(requestId, new Hold(expiresAt, List.copyOf(ids), amounts));
      reservations.incrementAndGet();
      expiries.add(new Expiry(expiresAt, requestId));
      return new ReserveResult(ReserveResult.Status.RESERVED, -1, states(charges), crossings);
    }

    synchronized CommitResult commit(
        String requestId,
        List<Charge> charges,
        boolean countWithoutReservation,
        Instant now,
        String settlement) {
      expire(now);
      if (isCommitted(requestId, now)) {
        return new CommitResult(
            CommitResult.Status.DUPLICATE,
            List.of(),
            List.of(),
            committed.get(requestId).settlement());
      }
      boolean held = drop(requestId);
      if (!held && !countWithoutReservation) {
        // A request refused at reserve: no marker, so that refused requests leave no state.
        return new CommitResult(
            CommitResult.Status.NOTHING_COUNTED, List.of(), List.of(), settlement);
      }
      ensureRoom(charges, now, false);
      List<Crossing> crossings = new ArrayList<>();
      List<BucketState> states = new ArrayList<>(charges.size());
      for (int i = 0; i < charges.size(); i++) {
        Charge charge = charges.get(i);
        if (!charge.windowEnd().isAfter(now)) {
          states.add(new BucketState(0, 0));
          continue;
        }
        Bucket bucket = bucket(charge);
        bucket.used += charge.amount();
        cross(bucket, charge, i, crossings);
        states.add(bucket.state());
      }
      remember(requestId, now, settlement);
      return new CommitResult(CommitResult.Status.COMMITTED, states, crossings, settlement);
    }

    synchronized long countFall(Charge charge, Instant now) {
      if (!charge.windowEnd().isAfter(now)) {
        return 0;
      }
      ensureRoom(List.of(charge), now, false);
      return ++bucket(charge).falls;
    }

    synchronized boolean release(String requestId, Instant now) {
      expire(now);
      return drop(requestId);
    }

    synchronized List<BucketReading> readings(Instant now) {
      expire(now);
      List<BucketReading> readings = new ArrayList<>();
      buckets.forEach(
          (id, bucket) -> {
            if (bucket.windowEnd.isAfter(now)) {
              readings.add(
                  new BucketReading(
                      id, bucket.used, bucket.reserved, bucket.windowEnd, bucket.falls));
            }
          });
      readings.sort(Comparator.comparing(BucketReading::bucketId));
      return readings;
    }

    synchronized List<BucketState> read(List<Charge> charges, Instant now) {
      expire(now);
      return states(charges);
    }

    synchronized long liveReservations(Instant now) {
      expire(now);
      return holds.size();
    }

    synchronized void maintain(Instant now) {
      expire(now);
      Iterator<Bucket> it = buckets.values().iterator();
      while (it.hasNext()) {
        if (!it.next().windowEnd.isAfter(now)) {
          it.remove();
          MemoryBudgetStore.this.buckets.decrementAndGet();
        }
      }
      while (!markers.isEmpty() && !markers.peekFirst().until().isAfter(now)) {
        Marker marker = markers.pollFirst();
        forget(marker);
      }
    }

    private void ensureRoom(List<Charge> charges, Instant now, boolean newReservation) {
      int missing = 0;
      for (Charge charge : charges) {
        if (!buckets.containsKey(charge.bucketId())) {
          missing++;
        }
      }
      boolean full =
          MemoryBudgetStore.this.buckets.get() + missing > maxBuckets
              || newReservation && reservations.get() >= maxReservations;
      if (full) {
        maintain(now);
        if (MemoryBudgetStore.this.buckets.get() + missing > maxBuckets
            || newReservation && reservations.get() >= maxReservations) {
          throw new StoreUnavailableException(
              "the memory store is full ("
                  + maxBuckets
                  + " buckets, "
                  + maxReservations
                  + " reservations): use the Redis store or raise the limits",
              null);
        }
      }
    }

    private Bucket bucket(Charge charge) {
      return buckets.computeIfAbsent(
          charge.bucketId(),
          id -> {
            MemoryBudgetStore.this.buckets.incrementAndGet();
            return new Bucket(charge.windowEnd());
          });
    }

    private List<BucketState> states(List<Charge> charges) {
      List<BucketState> states = new ArrayList<>(charges.size());
      for (Charge charge : charges) {
        Bucket bucket = buckets.get(charge.bucketId());
        states.add(bucket == null ? new BucketState(0, 0) : bucket.state());
      }
      return states;
    }

    private boolean isCommitted(String requestId, Instant now) {
      Remembered remembered = committed.get(requestId);
      return remembered != null && remembered.until().isAfter(now);
    }

    /** Forgets a commit, unless the request was committed again since (a later marker). */
    private void forget(Marker marker) {
      committed.computeIfPresent(
          marker.requestId(), (id, r) -> r.until().equals(marker.until()) ? null : r);
    }

    private void remember(String requestId, Instant now, String settlement) {
      Instant until = now.plus(commitRetention);
      committed.put(requestId, new Remembered(until, settlement));
      markers.addLast(new Marker(until, requestId));
      // The oldest markers go first when too many commits arrive within the retention.
      while (markers.size() > maxReservations) {
        Marker marker = markers.pollFirst();
        forget(marker);
      }
    }

    /** Removes a live reservation and gives its amounts back; false when none was held. */
    private boolean drop(String requestId) {
      Hold hold = holds.remove(requestId);
      if (hold == null) {
        return false;
      }
      expiries.remove(new Expiry(hold.expiresAt(), requestId));
      reservations.decrementAndGet();
      for (int i = 0; i < hold.bucketIds().size(); i++) {
        Bucket bucket = buckets.get(hold.bucketIds().get(i));
        if (bucket != null) {
          bucket.reserved -= hold.amounts()[i];
        }
      }
      return true;
    }

    private void expire(Instant now) {
      while (!expiries.isEmpty() && !expiries.first().at().isAfter(now)) {
        drop(expiries.pollFirst().requestId());
      }
    }

    private static void cross(Bucket bucket, Charge charge, int index, List<Crossing> out) {
      long total = bucket.used + bucket.reserved;
      if (!bucket.warned && total >= charge.warnAt()) {
        bucket.warned = true;
        out.add(new Crossing(index, Crossing.Threshold.WARN));
      }
      if (!bucket.over && total > charge.limit()) {
        bucket.over = true;
        out.add(new Crossing(index, Crossing.Threshold.LIMIT));
      }
    }
  }
}
