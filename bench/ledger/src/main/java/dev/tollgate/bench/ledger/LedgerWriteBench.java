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
 * {@code records} records spread over one month as fast as the queue takes them, and times until
 * all are stored (records and daily rollup); then times a month report by namespace over them. With
 * {@code bulk} records, it also fills a second schema at the schema's first version with that many
 * records server-side ({@code generate_series}, same spread), lets the ledger's migration build the
 * rollup from them, and times the month report (rollup) against the same report summed from the
 * records. Prints the figures; asserts nothing.
 */
public final class LedgerWriteBench {
  private LedgerWriteBench() {}

  private static final long MONTH_MILLIS = Duration.ofDays(30).toMillis();

  /** Runs the benchmark: {@code [records] [bulk]} (defaults 200,000 and 0). */
  public static void main(String[] args) throws Exception {
    int records = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
    long bulk = args.length > 1 ? Long.parseLong(args[1]) : 0;
    Instant month = Instant.parse("2026-11-01T00:00:00Z");
    try (PostgresServer postgres = PostgresServer.start()) {
      LedgerDatabase db = new LedgerDatabase(postgres.jdbcUrl(), postgres.user(), null, 0);
      Path spool = Files.createTempDirectory("ledger-bench-spool");
      LedgerRecord[] batch = new LedgerRecord[records];
      for (int i = 0; i < records; i++) {
        batch[i] = record(i, month.plusMillis(i * (MONTH_MILLIS / records)));
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
      if (bulk > 0) {
        BulkReport.run(postgres, bulk);
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
