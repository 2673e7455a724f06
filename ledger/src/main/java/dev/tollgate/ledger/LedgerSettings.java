package dev.tollgate.ledger;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How the ledger's writer batches and spools.
 *
 * @param queueCapacity records the hand-off queue holds; past it a record is dropped and counted
 * @param batchSize largest batch written in one transaction
 * @param flushInterval longest a record waits in the queue before its batch is written
 * @param retryInterval how long after a failed write the database is tried again; in between,
 *     batches go straight to the spool
 * @param spoolFolder the folder of the spool
 * @param spoolMaxBytes the spool's size bound
 */
public record LedgerSettings(
    int queueCapacity,
    int batchSize,
    Duration flushInterval,
    Duration retryInterval,
    Path spoolFolder,
    long spoolMaxBytes) {

  /** The defaults with a spool in {@code spoolFolder}: 65,536 queued, batches of 500, 1 GiB. */
  public static LedgerSettings defaults(Path spoolFolder) {
    return new LedgerSettings(
        65_536, 500, Duration.ofMillis(200), Duration.ofSeconds(2), spoolFolder, 1L << 30);
  }

  /** Checks the bounds. */
  public LedgerSettings {
    if (queueCapacity < 1 || batchSize < 1 || spoolMaxBytes < 1) {
      throw new IllegalArgumentException(
          "ledger queue capacity, batch size and spool size must be positive");
    }
  }

  /** These settings with another retry interval. */
  public LedgerSettings withRetryInterval(Duration retry) {
    return new LedgerSettings(
        queueCapacity, batchSize, flushInterval, retry, spoolFolder, spoolMaxBytes);
  }
}
