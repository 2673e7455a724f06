package dev.tollgate.ratelimit.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The behaviour every {@link BudgetStore} must show; each store runs it with its own subclass. */
public abstract class BudgetStoreContract {
  protected static final String NS = "team-a";
  protected static final Instant T0 = Instant.parse("2026-03-10T10:00:00Z");
  protected static final Instant HOUR_END = Instant.parse("2026-03-10T11:00:00Z");
  protected static final Duration TTL = Duration.ofMinutes(15);

  protected BudgetStore store;

  /** Returns a store with no counters. */
  protected abstract BudgetStore newStore();

  @BeforeEach
  void open() {
    store = newStore();
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  @Test
  void reservesWhileTheEstimateFitsAndRejectsWhenItWouldExceedTheLimit() {
    assertThat(reserve("r1", enforced("tokens", 60, 100)).status())
        .isEqualTo(ReserveResult.Status.RESERVED);
    ReserveResult second = reserve("r2", enforced("tokens", 40, 100));
    assertThat(second.status()).isEqualTo(ReserveResult.Status.RESERVED);
    assertThat(second.states()).containsExactly(new BucketState(0, 100));
    ReserveResult third = reserve("r3", enforced("tokens", 1, 100));
    assertThat(third.status()).isEqualTo(ReserveResult.Status.REJECTED);
    assertThat(third.blockedIndex()).isZero();
    assertThat(third.states()).containsExactly(new BucketState(0, 100));
  }

  @Test
  void aRejectedReservationChangesNoBucketAtAll() {
    ReserveResult result =
        reserve("r1", enforced("wide", 50, 1000), enforced("narrow", 50, 10), warn("soft", 50, 1));
    assertThat(result.status()).isEqualTo(ReserveResult.Status.REJECTED);
    assertThat(result.blockedIndex()).isEqualTo(1);
    assertThat(usage()).isEmpty();
    assertThat(commit("r1", false, enforced("wide", 0, 1000)).status())
        .isEqualTo(CommitResult.Status.NOTHING_COUNTED);
    assertThat(usage()).isEmpty();
    assertThat(release("r1")).isFalse();
  }

  @Test
  void theCommitOfARequestRefusedAtReserveLeavesNoMarker() {
    assertThat(reserve("r1", enforced("tokens", 150, 100)).status())
        .isEqualTo(ReserveResult.Status.REJECTED);
    assertThat(commit("r1", false, enforced("tokens", 0, 100)).status())
        .isEqualTo(CommitResult.Status.NOTHING_COUNTED);
    assertThat(commit("r1", false, enforced("tokens", 0, 100)).status())
        .isEqualTo(CommitResult.Status.NOTHING_COUNTED);
    // No marker: the id is checked against the budget again rather than taken as settled.
    assertThat(reserve("r1", enforced("tokens", 150, 100)).status())
        .isEqualTo(ReserveResult.Status.REJECTED);
    assertThat(reserve("r1", enforced("tokens", 50, 100)).status())
        .isEqualTo(ReserveResult.Status.RESERVED);
    assertThat(usage()).containsExactly(new BucketReading("tokens", 0, 50, HOUR_END));
  }

  @Test
  void warnBucketsNeverRejectButReportEachCrossingOncePerWindow() {
    ReserveResult first = reserve("r1", warn("soft", 85, 100));
    assertThat(first.status()).isEqualTo(ReserveResult.Status.RESERVED);
    assertThat(first.crossings()).containsExactly(new Crossing(0, Crossing.Threshold.WARN));
    ReserveResult over = reserve("r2", warn("soft", 30, 100));
    assertThat(over.status()).isEqualTo(ReserveResult.Status.RESERVED);
    assertThat(over.states()).containsExactly(new BucketState(0, 115));
    assertThat(over.crossings()).containsExactly(new Crossing(0, Crossing.Threshold.LIMIT));
    assertThat(reserve("r3", warn("soft", 30, 100)).crossings()).isEmpty();
    Charge nextWindow =
        new Charge("soft-next", 90, 100, 80, false, HOUR_END.plus(Duration.ofHours(1)));
    assertThat(reserve("r4", nextWindow).crossings())
        .containsExactly(new Crossing(0, Crossing.Threshold.WARN));
  }

  @Test
  void commitReplacesTheReservationWithTheActualUsage() {
    reserve("r1", enforced("tokens", 80, 100), enforced("requests", 1, 10));
    CommitResult result =
        commit("r1", true, enforced("tokens", 30, 100), enforced("requests", 1, 10));
    assertThat(result.status()).isEqualTo(CommitResult.Status.COMMITTED);
    assertThat(result.states()).containsExactly(new BucketState(30, 0), new BucketState(1, 0));
    assertThat(reserve("r2", enforced("tokens", 70, 100)).status())
        .isEqualTo(ReserveResult.Status.RESERVED);
    assertThat(reserve("r3", enforced("tokens", 1, 100)).status())
        .isEqualTo(ReserveResult.Status.REJECTED);
  }

  @Test
  void aCommitChargingOtherBucketsThanItsReservationHeldStillGivesBackAllItHeld() {
    // The budgets changed between reserve and commit: other buckets, another order.
    reserve("r1", enforced("tokens", 80, 100), enforced("requests", 1, 10));
    CommitResult result =
        commit("r1", true, enforced("requests", 1, 10), enforced("tokens-new", 30, 100));
    assertThat(result.status()).isEqualTo(CommitResult.Status.COMMITTED);
    assertThat(result.states()).containsExactly(new BucketState(1, 0), new BucketState(30, 0));
    assertThat(usage())
        .containsExactly(
            new BucketReading("requests", 1, 0, HOUR_END),
            new BucketReading("tokens", 0, 0, HOUR_END),
            new BucketReading("tokens-new", 30, 0, HOUR_END));
    assertThat(store.outstandingReservations(List.of(NS), T0).join()).isZero();
    assertThat(commit("r1", true, enforced("requests", 1, 10)).status())
        .isEqualTo(CommitResult.Status.DUPLICATE);
  }

  @Test
  void aRepeatedCommitOfOneRequestCountsOnce() {
    reserve("r1", enforced("tokens", 80, 100));
    assertThat(commit("r1", true, enforced("tokens", 30, 100)).status())
        .isEqualTo(CommitResult.Status.COMMITTED);
    assertThat(commit("r1", true, enforced("tokens", 30, 100)).status())
        .isEqualTo(CommitResult.Status.DUPLICATE);
    assertThat(reserve("r1", enforced("tokens", 10, 100)).status())
        .isEqualTo(ReserveResult.Status.ALREADY_COMMITTED);
    assertThat(usage()).containsExactly(new BucketReading("tokens", 30, 0, HOUR_END));
  }

  @Test
  void theSecondCommitOfARequestLearnsTheSettlementOfTheFirst() {
    reserve("r1", enforced("tokens", 80, 100));
    List<Charge> processor = List.of(enforced("tokens", 31, 100));
    List<Charge> envoy = List.of(enforced("tokens", 30, 100));
    CommitResult first = store.commit(NS, "r1", envoy, true, T0, "30,0,0,0,ns/p").join();
    assertThat(first.status()).isEqualTo(CommitResult.Status.COMMITTED);
    assertThat(first.settlement()).isEqualTo("30,0,0,0,ns/p");
    CommitResult second = store.commit(NS, "r1", processor, true, T0, "31,0,0,0,ns/p").join();
    assertThat(second.status()).isEqualTo(CommitResult.Status.DUPLICATE);
    assertThat(second.settlement()).isEqualTo("30,0,0,0,ns/p");
    assertThat(usage()).containsExactly(new BucketReading("tokens", 30, 0, HOUR_END));
    // A commit without one (Envoy's, through the old signature) settles with an empty one.
    reserve("r2", enforced("tokens", 10, 100));
    commit("r2", true, enforced("tokens", 5, 100));
    assertThat(store.commit(NS, "r2", envoy, true, T0, "9,0,0,0,-").join().settlement()).isEmpty();
  }

  @Test
  void aRepeatedReservationOfOneRequestHoldsOnce() {
    reserve("r1", enforced("tokens", 60, 100));
    ReserveResult again = reserve("r1", enforced("tokens", 60, 100));
    assertThat(again.status()).isEqualTo(ReserveResult.Status.ALREADY_RESERVED);
    assertThat(again.states()).containsExactly(new BucketState(0, 60));
  }

  @Test
  void releaseGivesTheReservationBackOnce() {
    reserve("r1", enforced("tokens", 60, 100));
    assertThat(release("r1")).isTrue();
    assertThat(release("r1")).isFalse();
    assertThat(release("never-reserved")).isFalse();
    assertThat(usage()).containsExactly(new BucketReading("tokens", 0, 0, HOUR_END));
  }

  @Test
  void expiredReservationsStopHoldingBudget() {
    reserve("r1", enforced("tokens", 90, 100));
    Instant later = T0.plus(TTL).plusMillis(1);
    ReserveResult result =
        store
            .reserve(NS, "r2", List.of(enforced("tokens", 90, 100)), later, later.plus(TTL))
            .join();
    assertThat(result.status()).isEqualTo(ReserveResult.Status.RESERVED);
    assertThat(result.states()).containsExactly(new BucketState(0, 90));
    assertThat(store.outstandingReservations(List.of(NS), later).join()).isEqualTo(1);
  }

  @Test
  void aCommitAfterTheReservationExpiredStillCountsTheUsage() {
    reserve("r1", enforced("tokens", 90, 100));
    Instant later = T0.plus(TTL).plusSeconds(1);
    CommitResult result =
        store.commit(NS, "r1", List.of(enforced("tokens", 40, 100)), true, later).join();
    assertThat(result.status()).isEqualTo(CommitResult.Status.COMMITTED);
    assertThat(result.states()).containsExactly(new BucketState(40, 0));
    CommitResult rejectedLongAgo =
        store.commit(NS, "r9", List.of(enforced("tokens", 0, 100)), false, later).join();
    assertThat(rejectedLongAgo.status()).isEqualTo(CommitResult.Status.NOTHING_COUNTED);
  }

  @Test
  void usageAfterTheWindowEndedCountsInNoBucket() {
    Instant afterWindow = HOUR_END.plusSeconds(1);
    CommitResult result =
        store.commit(NS, "r1", List.of(enforced("tokens", 40, 100)), true, afterWindow).join();
    assertThat(result.status()).isEqualTo(CommitResult.Status.COMMITTED);
    assertThat(result.states()).containsExactly(new BucketState(0, 0));
    assertThat(store.usage(NS, afterWindow).join()).isEmpty();
  }

  @Test
  void usageListsTheLiveBucketsOfOneNamespaceOnly() {
    reserve("r1", enforced("b-tokens", 10, 100), enforced("a-requests", 1, 5));
    commit("r1", true, enforced("b-tokens", 7, 100), enforced("a-requests", 1, 5));
    reserve("r2", enforced("b-tokens", 20, 100));
    store.reserve("team-b", "r3", List.of(enforced("other", 5, 10)), T0, T0.plus(TTL)).join();
    assertThat(usage())
        .containsExactly(
            new BucketReading("a-requests", 1, 0, HOUR_END),
            new BucketReading("b-tokens", 7, 20, HOUR_END));
    assertThat(store.outstandingReservations(List.of(NS, "team-b"), T0).join()).isEqualTo(2);
    assertThat(store.usage(NS, HOUR_END).join()).isEmpty();
  }

  @Test
  void tierFallsAreCountedWithTheBucketAndEndWithItsWindow() {
    reserve("r1", enforced("tokens", 90, 100));
    assertThat(store.countFall(NS, enforced("tokens", 20, 100), T0).join()).isEqualTo(1);
    assertThat(store.countFall(NS, enforced("tokens", 20, 100), T0).join()).isEqualTo(2);
    // Counting a fall changes no other counter, and the reading carries the count.
    assertThat(usage()).containsExactly(new BucketReading("tokens", 0, 90, HOUR_END, 2));
    commit("r1", true, enforced("tokens", 70, 100));
    assertThat(usage()).containsExactly(new BucketReading("tokens", 70, 0, HOUR_END, 2));
    // A bucket nothing was charged to yet is created empty to hold its count.
    store.countFall(NS, enforced("fresh", 500, 100), T0).join();
    assertThat(usage())
        .containsExactly(
            new BucketReading("fresh", 0, 0, HOUR_END, 1),
            new BucketReading("tokens", 70, 0, HOUR_END, 2));
    // A window that has ended counts nothing, and its buckets (counts included) are gone.
    assertThat(store.countFall(NS, enforced("tokens", 1, 100), HOUR_END).join()).isZero();
    assertThat(store.usage(NS, HOUR_END).join()).isEmpty();
  }

  @Test
  void countersStayExactUpToTheLargestValueLuaNumbersHoldExactly() {
    long limit = (1L << 53) - 1;
    long big = 1_234_567_890_123_456L;
    reserve("r1", enforced("cost", big, limit));
    CommitResult result = commit("r1", true, enforced("cost", big + 1, limit));
    assertThat(result.states()).containsExactly(new BucketState(big + 1, 0));
    reserve("r2", enforced("cost", big, limit));
    assertThat(release("r2")).isTrue();
    assertThat(usage()).containsExactly(new BucketReading("cost", big + 1, 0, HOUR_END));
  }

  @Test
  void bucketAndRequestIdsMayHoldAnyCharacters() {
    String bucket = "q/l/Tokens/1m/1773136800/client=a%2Fb%7B%7D,model=x";
    String request = "req {1}:/\n ü";
    reserve(request, enforced(bucket, 10, 100));
    commit(request, true, enforced(bucket, 4, 100));
    assertThat(usage()).containsExactly(new BucketReading(bucket, 4, 0, HOUR_END));
  }

  @Test
  void concurrentReservationsNeverLetCommittedPlusReservedExceedTheLimit() throws Exception {
    long limit = 20_000;
    int threads = 64;
    int requestsPerThread = 40;
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicLong committedByThreads = new AtomicLong();
    ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
    ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
    try {
      Future<Integer> checker =
          pool.submit(
              () -> {
                int samples = 0;
                while (running.get() || samples == 0) {
                  for (BucketReading r : store.usage(NS, T0).join()) {
                    if (r.used() + r.reserved() > limit) {
                      violations.add(r.toString());
                    }
                  }
                  samples++;
                }
                return samples;
              });
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> workers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        workers.add(
            pool.submit(
                () -> {
                  Random random = new Random(thread);
                  start.await();
                  for (int i = 0; i < requestsPerThread; i++) {
                    String id = "t" + thread + "-" + i;
                    long estimate = 1 + random.nextInt(800);
                    ReserveResult r = reserve(id, enforced("tokens", estimate, limit));
                    if (r.status() == ReserveResult.Status.RESERVED) {
                      long actual = random.nextInt((int) estimate + 1);
                      commit(id, true, enforced("tokens", actual, limit));
                      committedByThreads.addAndGet(actual);
                    }
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> worker : workers) {
        worker.get(60, TimeUnit.SECONDS);
      }
      running.set(false);
      assertThat(checker.get(60, TimeUnit.SECONDS)).isPositive();
    } finally {
      pool.shutdownNow();
    }
    assertThat(violations).isEmpty();
    List<BucketReading> end = usage();
    assertThat(end).hasSize(1);
    assertThat(end.get(0).reserved()).isZero();
    assertThat(end.get(0).used()).isEqualTo(committedByThreads.get()).isLessThanOrEqualTo(limit);
  }

  @Test
  void readReturnsEachBucketsCountersInOrderAndChangesNothing() {
    reserve("r1", enforced("a", 30, 100));
    commit("r1", false, enforced("a", 20, 100));
    reserve("r2", enforced("a", 5, 100), enforced("b", 7, 100));
    List<BucketState> read =
        store
            .read(
                NS,
                List.of(enforced("b", 1, 100), enforced("never", 1, 100), enforced("a", 1, 100)),
                T0)
            .join();
    assertThat(read)
        .containsExactly(new BucketState(0, 7), new BucketState(0, 0), new BucketState(20, 5));
    assertThat(usage()).extracting(BucketReading::bucketId).containsExactly("a", "b");
    // Nothing was reserved by the read: the whole remaining budget still fits.
    assertThat(reserve("r3", enforced("a", 75, 100)).status())
        .isEqualTo(ReserveResult.Status.RESERVED);
  }

  protected ReserveResult reserve(String requestId, Charge... charges) {
    return store.reserve(NS, requestId, List.of(charges), T0, T0.plus(TTL)).join();
  }

  protected CommitResult commit(String requestId, boolean countWithout, Charge... charges) {
    return store.commit(NS, requestId, List.of(charges), countWithout, T0).join();
  }

  protected boolean release(String requestId) {
    return store.release(NS, requestId, T0).join();
  }

  protected List<BucketReading> usage() {
    return store.usage(NS, T0).join();
  }

  protected static Charge enforced(String bucket, long amount, long limit) {
    return new Charge(bucket, amount, limit, limit * 80 / 100, true, HOUR_END);
  }

  protected static Charge warn(String bucket, long amount, long limit) {
    return new Charge(bucket, amount, limit, limit * 80 / 100, false, HOUR_END);
  }
}
