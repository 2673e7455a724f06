package dev.tollgate.ledger;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ledger off the request path: {@link #offer} puts a record on a bounded queue and returns; one
 * writer thread drains it in batches into the {@link LedgerStore}. A batch the store cannot take
 * goes to the disk {@link Spool}, and spooled records are replayed, oldest first, once the store
 * answers again. Nothing waits for the database but the writer thread. Thread-safe.
 */
public final class LedgerWriter implements LedgerSink, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LedgerWriter.class);

  /**
   * Counts so far.
   *
   * @param written records the store took (replays included)
   * @param spooled records put in the spool
   * @param replayed records replayed from the spool
   * @param dropped records lost: the queue was full, or the spool was at its bound
   * @param queued records waiting in the queue now
   * @param spoolBytes bytes waiting in the spool now
   */
  public record Stats(
      long written, long spooled, long replayed, long dropped, int queued, long spoolBytes) {}

  private final LedgerStore store;
  private final LedgerSettings settings;
  private final ArrayBlockingQueue<LedgerRecord> queue;
  private final Spool spool;
  private final Thread thread;
  private final AtomicLong written = new AtomicLong();
  private final AtomicLong spooled = new AtomicLong();
  private final AtomicLong replayed = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private volatile long spoolBytes;
  private volatile boolean running = true;
  private long retryAtNanos;
  private final Clock clock;
  private Instant retentionDue = Instant.MIN;

  /**
   * Opens the spool (replaying what an earlier run left, once the store answers) and starts the
   * writer thread; the store is first used on that thread, so a database that is away never delays
   * the caller.
   *
   * @throws IOException when the spool folder cannot be opened
   * @throws IllegalStateException when another process holds the spool folder
   */
  public LedgerWriter(LedgerStore store, LedgerSettings settings) throws IOException {
    this(store, settings, Clock.systemUTC());
  }

  /** The same, with the clock that decides when retention runs (hourly, and after a start). */
  public LedgerWriter(LedgerStore store, LedgerSettings settings, Clock clock) throws IOException {
    this.store = store;
    this.clock = clock;
    this.settings = settings;
    this.queue = new ArrayBlockingQueue<>(settings.queueCapacity());
    this.spool =
        new Spool(
            settings.spoolFolder(),
            settings.spoolMaxBytes(),
            Math.min(settings.spoolMaxBytes(), 16L << 20));
    this.spoolBytes = spool.bytes();
    this.thread = new Thread(this::run, "tollgate-ledger-writer");
    thread.setDaemon(true);
    thread.start();
  }

  @Override
  public void offer(LedgerRecord record) {
    if (!queue.offer(record)) {
      if (dropped.incrementAndGet() % 10_000 == 1) {
        LOG.warn("the ledger queue is full; {} records dropped so far", dropped.get());
      }
    }
  }

  /** The counts so far. */
  public Stats stats() {
    return new Stats(
        written.get(), spooled.get(), replayed.get(), dropped.get(), queue.size(), spoolBytes);
  }

  /**
   * Stops taking records, writes (or spools) what is queued and stops the thread; waits at most
   * {@code timeout}.
   */
  public void close(Duration timeout) {
    running = false;
    thread.interrupt();
    try {
      thread.join(timeout.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(10));
  }

  private void run() {
    List<LedgerRecord> batch = new ArrayList<>(settings.batchSize());
    try {
      while (running || !queue.isEmpty()) {
        batch.clear();
        try {
          LedgerRecord first =
              running
                  ? queue.poll(settings.flushInterval().toNanos(), TimeUnit.NANOSECONDS)
                  : queue.poll();
          if (first != null) {
            batch.add(first);
            queue.drainTo(batch, settings.batchSize() - 1);
          }
        } catch (InterruptedException e) {
          // close(): drain what is left, then stop.
          continue;
        }
        if (!spool.isEmpty() && storeMayAnswer()) {
          replay();
        }
        applyRetentionWhenDue();
        if (!batch.isEmpty()) {
          if (spool.isEmpty() && storeMayAnswer()) {
            writeOrSpool(batch);
          } else {
            toSpool(batch);
          }
        }
      }
    } catch (RuntimeException e) {
      LOG.error("the ledger writer stopped", e);
    } finally {
      spool.close();
      store.close();
    }
  }

  private boolean storeMayAnswer() {
    return System.nanoTime() - retryAtNanos >= 0;
  }

  private void replay() {
    try {
      while (!spool.isEmpty()) {
        int n = spool.replayOldest(store, settings.batchSize());
        replayed.addAndGet(n);
        written.addAndGet(n);
        spoolBytes = spool.bytes();
        if (queue.remainingCapacity() < settings.queueCapacity() / 2) {
          return; // let new records through; the rest of the spool follows on the next turn
        }
      }
      LOG.info("the ledger spool is replayed");
    } catch (LedgerUnavailableException e) {
      failed(e);
    }
  }

  private void applyRetentionWhenDue() {
    Instant now = clock.instant();
    if (now.isBefore(retentionDue) || !storeMayAnswer()) {
      return;
    }
    retentionDue = now.plus(Duration.ofHours(1));
    try {
      store.applyRetention(now);
    } catch (LedgerUnavailableException e) {
      failed(e);
    }
  }

  private void writeOrSpool(List<LedgerRecord> batch) {
    try {
      store.write(batch);
      written.addAndGet(batch.size());
    } catch (LedgerUnavailableException e) {
      failed(e);
      toSpool(batch);
    }
  }

  private void failed(LedgerUnavailableException e) {
    retryAtNanos = System.nanoTime() + settings.retryInterval().toNanos();
    Throwable cause = e.getCause() == null ? e : e.getCause();
    if (cause instanceof java.sql.BatchUpdateException batch && batch.getNextException() != null) {
      cause = batch.getNextException(); // the reason, not the statement with its values
    }
    LOG.warn(
        "{}; spooling to {} until it answers: {}",
        e.getMessage(),
        settings.spoolFolder(),
        cause.getMessage());
  }

  private void toSpool(List<LedgerRecord> batch) {
    int refused;
    try {
      refused = spool.append(batch);
    } catch (java.io.UncheckedIOException e) {
      LOG.error("could not spool {} ledger records; they are lost", batch.size(), e);
      dropped.addAndGet(batch.size());
      return;
    }
    spooled.addAndGet(batch.size() - refused);
    spoolBytes = spool.bytes();
    if (refused > 0) {
      dropped.addAndGet(refused);
      LOG.warn(
          "the ledger spool is full ({} bytes); {} records dropped",
          settings.spoolMaxBytes(),
          refused);
    }
  }
}
