package dev.tollgate.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tollgate.testkit.PostgresServer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ledger on a real PostgreSQL server, including one killed while records flow. */
class PostgresLedgerIT {
  private static PostgresServer postgres;

  @TempDir Path folder;

  @BeforeAll
  static void startPostgres() throws Exception {
    postgres = PostgresServer.start();
  }

  @AfterAll
  static void stopPostgres() {
    if (postgres != null) {
      postgres.close();
    }
  }

  private static LedgerDatabase database(String schema, int retentionMonths) throws SQLException {
    try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), null);
        Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA IF NOT EXISTS " + schema);
    }
    return new LedgerDatabase(
        postgres.jdbcUrl() + "?currentSchema=" + schema, postgres.user(), null, retentionMonths);
  }

  private static long count(String schema, String what) throws SQLException {
    try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), null);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT " + what + " FROM " + schema + ".ledger_record")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test
  void eachMonthGetsItsPartitionAndRetentionDropsOldOnes() throws Exception {
    LedgerDatabase db = database("partitions", 2);
    try (JdbcLedgerStore store = JdbcLedgerStore.open(db)) {
      store.write(
          List.of(
              TestRecords.numbered(1, Instant.parse("2026-08-31T23:59:59Z")),
              TestRecords.numbered(2, Instant.parse("2026-09-01T00:00:00Z")),
              TestRecords.numbered(3, Instant.parse("2026-11-05T10:00:00Z"))));
      assertThat(store.partitionMonths())
          .containsExactly(YearMonth.of(2026, 8), YearMonth.of(2026, 9), YearMonth.of(2026, 11));

      store.applyRetention(Instant.parse("2026-11-20T00:00:00Z"));

      assertThat(store.partitionMonths())
          .containsExactly(YearMonth.of(2026, 9), YearMonth.of(2026, 11));
      assertThat(count("partitions", "COUNT(*)")).isEqualTo(2);
    }
  }

  @Test
  void aBatchWrittenAgainIsSkippedAndReportsSumByTheAskedDimensions() throws Exception {
    LedgerDatabase db = database("reports", 0);
    Instant t = Instant.parse("2026-11-05T10:00:00Z");
    List<LedgerRecord> batch =
        List.of(
            TestRecords.record("a", t, "team-a", "app-1", "gpt-4o", 100, 10, "0.5"),
            TestRecords.record("b", t, "team-a", "app-1", "gpt-4o", 50, 5, "0.25"),
            TestRecords.record("c", t, "team-b", "app-2", "gpt-4o-mini", 1, 1, null));
    try (JdbcLedgerStore store = JdbcLedgerStore.open(db)) {
      store.write(batch);
      store.write(batch);
      UsageReport report = store.report(UsageQuery.parse("2026-11", "namespace,client", null));
      assertThat(report.rows())
          .extracting(
              UsageReport.Row::keys, UsageReport.Row::requests, UsageReport.Row::inputTokens)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple(List.of("team-a", "app-1"), 2L, 150L),
              org.assertj.core.groups.Tuple.tuple(List.of("team-b", "app-2"), 1L, 1L));
      assertThat(report.rows().get(0).cost()).isEqualByComparingTo("0.75");
    }
  }

  @Test
  void recordsSurviveAServerKilledMidRunAndAreStoredExactlyOnce() throws Exception {
    LedgerDatabase db = database("crash", 0);
    LedgerSettings settings =
        LedgerSettings.defaults(folder.resolve("spool")).withRetryInterval(Duration.ofMillis(200));
    Instant t = Instant.parse("2026-11-05T10:00:00Z");
    int perPhase = 5_000;
    try (LedgerWriter writer = new LedgerWriter(JdbcLedgerStore.lazy(db), settings)) {
      for (int i = 0; i < perPhase; i++) {
        writer.offer(TestRecords.numbered(i, t.plusMillis(i)));
      }
      await("first records in PostgreSQL")
          .atMost(Duration.ofSeconds(60))
          .until(() -> writer.stats().written() > 0);

      postgres.kill();
      for (int i = perPhase; i < 2 * perPhase; i++) {
        writer.offer(TestRecords.numbered(i, t.plusMillis(i)));
      }
      await("records spooled while PostgreSQL is down")
          .atMost(Duration.ofSeconds(60))
          .until(() -> writer.stats().spooled() > 0 && writer.stats().queued() == 0);

      postgres.startAgain();
      for (int i = 2 * perPhase; i < 3 * perPhase; i++) {
        writer.offer(TestRecords.numbered(i, t.plusMillis(i)));
      }
      await("every record in PostgreSQL")
          .atMost(Duration.ofSeconds(120))
          .until(() -> count("crash", "COUNT(*)") == 3L * perPhase);
      assertThat(count("crash", "COUNT(DISTINCT request_id)")).isEqualTo(3L * perPhase);
      await("spool empty")
          .atMost(Duration.ofSeconds(60))
          .until(() -> writer.stats().spoolBytes() == 0);
      assertThat(writer.stats().dropped()).isZero();
      assertThat(writer.stats().replayed()).isPositive();
    }
  }

  @Test
  void theDailyRollupAgreesWithTheRecordsAcrossReplaysAndRepeats() throws Exception {
    List<LedgerRecord> records = RollupChecks.mixed(3000);
    try (JdbcLedgerStore store = JdbcLedgerStore.open(database("rollup", 0))) {
      store.write(records.subList(0, 2000));
      // A replayed batch overlapping the first, with a repeat inside it: only the new ones count.
      List<LedgerRecord> replay = new java.util.ArrayList<>(records.subList(1500, 3000));
      replay.add(records.get(2500));
      store.write(replay);
      RollupChecks.rollupAgreesWithRecords(store);
      assertThat(count("rollup", "COUNT(*)")).isEqualTo(3000);
    }
  }

  @Test
  void recordsStoredBeforeTheRollupExistedAreInIt() throws Exception {
    LedgerDatabase db = database("backfill", 0);
    org.flywaydb.core.Flyway.configure()
        .dataSource(db.url(), db.user(), null)
        .locations("classpath:db/ledger")
        .placeholders(java.util.Map.of("partitionBy", "PARTITION BY RANGE (ended_at)"))
        .table("ledger_schema_history")
        .target("1")
        .load()
        .migrate();
    try (Connection c = DriverManager.getConnection(db.url(), db.user(), null);
        Statement s = c.createStatement()) {
      s.execute(
          "CREATE TABLE ledger_record_old PARTITION OF ledger_record FOR VALUES FROM"
              + " ('2026-10-01 00:00:00+00') TO ('2026-12-01 00:00:00+00')");
      c.setAutoCommit(false);
      RecordInserts.insert(c, true, RollupChecks.mixed(300));
      c.commit();
    }
    try (JdbcLedgerStore store = JdbcLedgerStore.open(db)) {
      RollupChecks.rollupAgreesWithRecords(store);
    }
  }
}
