package dev.tollgate.ledger;

import java.util.List;

/** Where records are kept for good. Not thread-safe: one writer thread owns a store. */
public interface LedgerStore extends AutoCloseable {
  /**
   * Writes a batch in one transaction; a record already stored (same request id and time) is
   * skipped, so a batch may be written again after a failure without counting anything twice.
   *
   * @throws LedgerUnavailableException when the database cannot take the batch now
   */
  void write(List<LedgerRecord> batch);

  /**
   * Drops what is older than the store's retention; a store without one keeps everything.
   *
   * @param now the current instant; its month and the months the retention keeps stay
   * @throws LedgerUnavailableException when the database cannot be reached
   */
  default void applyRetention(java.time.Instant now) {}

  /** Sums the records of a period by the query's dimensions. */
  UsageReport report(UsageQuery query);

  @Override
  void close();
}
