package dev.tollgate.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LedgerWriterTest {
  private static final Instant T = Instant.parse("2026-11-05T10:00:00Z");

  @TempDir Path folder;

  /** A store that can be switched off; thread-safe, as the test reads it from another thread. */
  static class SwitchedStore implements LedgerStore {
    private final List<LedgerRecord> written = new ArrayList<>();
    volatile boolean down;

    @Override
    public synchronized void write(List<LedgerRecord> batch) {
      if (down) {
        throw new LedgerUnavailableException("database is down", null);
      }
      written.addAll(batch);
    }

    synchronized List<LedgerRecord> written() {
      return List.copyOf(written);
    }

    @Override
    public UsageReport report(UsageQuery query) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void close() {}
  }

  private LedgerSettings settings() {
    return LedgerSettings.defaults(folder.resolve("spool"))
        .withRetryInterval(Duration.ofMillis(50));
  }

  @Test
  void recordsOfferedWhileTheStoreIsDownAreSpooledThenReplayedOnce() throws Exception {
    SwitchedStore store = new SwitchedStore();
    store.down = true;
    try (LedgerWriter writer = new LedgerWriter(store, settings())) {
      for (int i = 0; i < 1000; i++) {
        writer.offer(TestRecords.numbered(i, T));
      }
      await("records spooled")
          .atMost(Duration.ofSeconds(20))
          .until(() -> writer.stats().spooled() == 1000);
      assertThat(store.written()).isEmpty();

      store.down = false;
      for (int i = 1000; i < 1500; i++) {
        writer.offer(TestRecords.numbered(i, T));
      }
      await("spool replayed and new records written")
          .atMost(Duration.ofSeconds(20))
          .until(() -> store.written().size() >= 1500 && writer.stats().spoolBytes() == 0);
      Set<String> ids = new HashSet<>();
      store.written().forEach(r -> ids.add(r.requestId()));
      assertThat(store.written()).hasSize(1500);
      assertThat(ids).hasSize(1500);
      // Records offered before the writer notices the store is back are spooled behind the first
      // 1,000 (to keep their order), so more than 1,000 may be replayed; each exactly once.
      assertThat(writer.stats().replayed())
          .isGreaterThanOrEqualTo(1000)
          .isEqualTo(writer.stats().spooled());
      assertThat(writer.stats().dropped()).isZero();
    }
  }

  @Test
  void aSpoolLeftByAnEarlierRunIsReplayedAfterAStart() throws Exception {
    SwitchedStore store = new SwitchedStore();
    store.down = true;
    try (LedgerWriter writer = new LedgerWriter(store, settings())) {
      for (int i = 0; i < 10; i++) {
        writer.offer(TestRecords.numbered(i, T));
      }
      await("records spooled")
          .atMost(Duration.ofSeconds(20))
          .until(() -> writer.stats().spooled() == 10);
    }
    SwitchedStore next = new SwitchedStore();
    try (LedgerWriter writer = new LedgerWriter(next, settings())) {
      await("earlier spool replayed")
          .atMost(Duration.ofSeconds(20))
          .until(() -> next.written().size() == 10);
    }
  }

  @Test
  void theWriterAppliesTheStoresRetentionAfterAStart() throws Exception {
    java.util.concurrent.atomic.AtomicReference<Instant> appliedAt =
        new java.util.concurrent.atomic.AtomicReference<>();
    SwitchedStore store =
        new SwitchedStore() {
          @Override
          public void applyRetention(Instant now) {
            appliedAt.set(now);
          }
        };
    java.time.Clock clock = java.time.Clock.fixed(T, java.time.ZoneOffset.UTC);
    try (LedgerWriter writer = new LedgerWriter(store, settings(), clock)) {
      await("retention applied")
          .atMost(Duration.ofSeconds(20))
          .until(() -> appliedAt.get() != null);
    }
    assertThat(appliedAt.get()).isEqualTo(T);
  }

  @Test
  void closeWritesWhatIsStillQueued() throws Exception {
    SwitchedStore store = new SwitchedStore();
    LedgerWriter writer = new LedgerWriter(store, settings());
    for (int i = 0; i < 200; i++) {
      writer.offer(TestRecords.numbered(i, T));
    }
    writer.close(Duration.ofSeconds(20));
    assertThat(store.written()).hasSize(200);
  }

  @Test
  void aFullQueueDropsAndCountsInsteadOfBlocking() throws Exception {
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    SwitchedStore store =
        new SwitchedStore() {
          @Override
          public void write(List<LedgerRecord> batch) {
            try {
              release.await(); // a database that hangs holds the writer, never the caller
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            super.write(batch);
          }
        };
    LedgerSettings small =
        new LedgerSettings(
            10, 5, Duration.ofMillis(10), Duration.ofMillis(50), folder.resolve("s"), 1 << 20);
    try (LedgerWriter writer = new LedgerWriter(store, small)) {
      for (int i = 0; i < 100; i++) {
        writer.offer(TestRecords.numbered(i, T));
      }
      // At most one batch (5) is with the hung store and 10 are queued: the rest were dropped.
      assertThat(writer.stats().dropped()).isGreaterThanOrEqualTo(85);
      release.countDown();
      await("the queued records written")
          .atMost(Duration.ofSeconds(20))
          .until(() -> store.written().size() + writer.stats().dropped() == 100);
    } finally {
      release.countDown();
    }
  }
}
