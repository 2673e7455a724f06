package dev.tollgate.bench.ledger;

import dev.tollgate.ledger.JdbcLedgerStore;
import dev.tollgate.ledger.LedgerDatabase;
import dev.tollgate.ledger.UsageQuery;
import dev.tollgate.testkit.PostgresServer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import org.flywaydb.core.Flyway;

/**
 * The month report over many records: fills schema {@code bulk} at the ledger schema's first
 * version server-side, lets the current migration build the daily rollup from the records, then
 * times the report (which reads the rollup) and the same sums over the records.
 */
final class BulkReport {
  private BulkReport() {}

  static void run(PostgresServer postgres, long records) throws Exception {
    String url = postgres.jdbcUrl() + "?currentSchema=bulk";
    try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), null);
        Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA bulk");
    }
    Flyway.configure()
        .dataSource(url, postgres.user(), null)
        .locations("classpath:db/ledger")
        .placeholders(Map.of("partitionBy", "PARTITION BY RANGE (ended_at)"))
        .table("ledger_schema_history")
        .target("1")
        .load()
        .migrate();
    long t = System.nanoTime();
    try (Connection c = DriverManager.getConnection(url, postgres.user(), null);
        Statement s = c.createStatement()) {
      s.execute(
          "CREATE TABLE ledger_record_y2026m11 PARTITION OF ledger_record FOR VALUES FROM"
              + " ('2026-11-01 00:00:00+00') TO ('2026-12-01 00:00:00+00')");
      // The same spread as LedgerWriteBench's records: 50 namespaces, 500 clients, 2 models.
      s.execute(
          "INSERT INTO ledger_record SELECT timestamptz '2026-11-01 00:00:00+00' + (i * (2592000.0"
              + " / "
              + records
              + ")) * interval '1 second', 'bulk-' || i, 'team-' || (i % 50), 'team-' || (i %"
              + " 50) || '/chat', 0, 'client-' || (i % 500), CASE WHEN i % 3 = 0 THEN 'gpt-4o'"
              + " ELSE 'gpt-4o-mini' END, 'gpt-4o-2024-08-06', 'shared/openai', 'chat', 200, 100"
              + " + i % 900, i % 7, 20 + i % 300, 0.000123, 'USD', 'committed', 350.5, 120.25, 1,"
              + " NULL FROM generate_series(0, "
              + (records - 1)
              + ") AS i");
      s.execute("VACUUM ANALYZE ledger_record");
    }
    System.out.printf(
        "bulk: %,d records inserted server-side in %.0f s%n",
        records, (System.nanoTime() - t) / 1e9);
    t = System.nanoTime();
    LedgerDatabase db = new LedgerDatabase(url, postgres.user(), null, 0);
    try (JdbcLedgerStore store = JdbcLedgerStore.open(db)) {
      System.out.printf(
          "bulk: migration built the daily rollup in %.0f s%n", (System.nanoTime() - t) / 1e9);
      try (Connection c = DriverManager.getConnection(url, postgres.user(), null);
          Statement s = c.createStatement()) {
        s.execute("VACUUM ANALYZE ledger_daily");
        try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM ledger_daily")) {
          rs.next();
          System.out.printf("bulk: %,d rollup rows%n", rs.getLong(1));
        }
      }
      for (int run = 0; run < 3; run++) {
        t = System.nanoTime();
        int rows = store.report(UsageQuery.parse("2026-11", "namespace", null)).rows().size();
        System.out.printf(
            "bulk: month report by namespace over %,d records (rollup): %d rows in %.0f ms%n",
            records, rows, (System.nanoTime() - t) / 1e6);
      }
      for (int run = 0; run < 3; run++) {
        t = System.nanoTime();
        int rows =
            store.report(UsageQuery.parse("2026-11", "namespace,client,model", null)).rows().size();
        System.out.printf(
            "bulk: month report by namespace,client,model (rollup): %d rows in %.0f ms%n",
            rows, (System.nanoTime() - t) / 1e6);
      }
      try (Connection c = DriverManager.getConnection(url, postgres.user(), null);
          Statement s = c.createStatement()) {
        t = System.nanoTime();
        try (ResultSet rs =
            s.executeQuery(
                "SELECT namespace, currency, COUNT(*), SUM(input_tokens), SUM(cost) FROM"
                    + " ledger_record WHERE ended_at >= '2026-11-01 00:00:00+00' AND ended_at <"
                    + " '2026-12-01 00:00:00+00' GROUP BY namespace, currency")) {
          int rows = 0;
          while (rs.next()) {
            rows++;
          }
          System.out.printf(
              "bulk: the same by namespace summed from the records: %d rows in %.0f ms%n",
              rows, (System.nanoTime() - t) / 1e6);
        }
      }
    }
  }
}
