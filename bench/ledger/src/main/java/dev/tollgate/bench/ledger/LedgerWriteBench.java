package dev.tollgate.bench.ledger;

import dev.tollgate.ledger.JdbcLedgerStore;
import dev.tollgate.ledger.LedgerDatabase;
import dev.tollgate.ledger.LedgerRecord;
import dev.tollgate.ledger.LedgerSettings;
import dev.tollgate.ledger.LedgerWriter;
import dev.tollgate.ledger.UsageQuery;
import dev.tollgate.testkit.PostgresServer;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * Ledger write throughput to a local PostgreSQL (a fresh server, as the tests start one): offers
 * {@code records} records as fast as the queue takes them, and times until all are stored; then
 * times a month report by namespace over them. Prints the figures; asserts nothing.
 */
public final class LedgerWriteBench {
  private LedgerWriteBench() {}

  /** Runs the benchmark: {@code [records]} (default 200,000). */
  public static void main(String[] args) throws Exception {
    int records = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
    Instant month = Instant.parse("2026-11-01T00:00:00Z");
    try (PostgresServer postgres = PostgresServer.start()) {
      LedgerDatabase db = new LedgerDatabase(postgres.jdbcUrl(), postgres.user(), null, 0);
      Path spool = Files.createTempDirectory("ledger-bench-spool");
      LedgerRecord[] batch = new LedgerRecord[records];
      for (int i = 0; i < records; i++) {
        batch[i] = record(i, month.plusMillis(i * 10L));
      }
      JdbcLedgerStore.open(db).close(); // migrate before timing
      long offerNanos = 0;
      long start = System.nanoTime();
      try (LedgerWriter writer =
          new LedgerWriter(JdbcLedgerStore.lazy(db), LedgerSettings.defaults(spool))) {
        for (LedgerRecord r : batch) {
          while (writer.stats().queued() > 60_000) {
            Thread.onSpinWait(); // a benchmark of the writer, not of the drop counter
          }
          long t = System.nanoTime();
          writer.offer(r);
          offerNanos += System.nanoTime() - t;
        }
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        while (writer.stats().written() < records && System.nanoTime() < deadline) {
          Thread.sleep(5);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        LedgerWriter.Stats stats = writer.stats();
        System.out.printf(
            "written %,d of %,d records in %.2f s: %,.0f records/s; offer() mean %.0f ns;"
                + " dropped %d, spooled %d%n",
            stats.written(),
            records,
            seconds,
            stats.written() / seconds,
            (double) offerNanos / records,
            stats.dropped(),
            stats.spooled());
      }
      try (JdbcLedgerStore store = JdbcLedgerStore.open(db)) {
        for (int run = 0; run < 3; run++) {
          long t = System.nanoTime();
          int rows = store.report(UsageQuery.parse("2026-11", "namespace", null)).rows().size();
          System.out.printf(
              "month report by namespace over %,d records: %d rows in %.0f ms%n",
              records, rows, (System.nanoTime() - t) / 1e6);
        }
      }
    }
  }

  private static LedgerRecord record(int i, Instant time) {
    String namespace = "team-" + (i % 50);
    return new LedgerRecord(
        time,
        "bench-" + i,
        namespace,
        namespace + "/chat",
        0,
        "client-" + (i % 500),
        i % 3 == 0 ? "gpt-4o" : "gpt-4o-mini",
        "gpt-4o-2024-08-06",
        "shared/openai",
        "chat",
        200,
        100 + i % 900,
        i % 7,
        20 + i % 300,
        new BigDecimal("0.000123"),
        "USD",
        LedgerRecord.Budget.COMMITTED,
        350.5,
        120.25,
        1,
        null);
  }
}
