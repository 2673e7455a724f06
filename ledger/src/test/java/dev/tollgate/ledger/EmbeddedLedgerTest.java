package dev.tollgate.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedLedgerTest {
  private static final Instant NOV = Instant.parse("2026-11-05T10:00:00Z");
  private static final Instant DEC = Instant.parse("2026-12-01T00:00:00Z");

  @TempDir Path folder;

  @Test
  void aBatchWrittenTwiceIsCountedOnce() {
    List<LedgerRecord> batch =
        List.of(
            TestRecords.record("a", NOV, "team-a", "app-1", "gpt-4o", 10, 5, "0.01"),
            TestRecords.record("b", NOV, "team-a", "app-2", "gpt-4o", 20, 6, "0.02"));
    try (JdbcLedgerStore store = JdbcLedgerStore.open(LedgerDatabase.embedded(folder, 0))) {
      store.write(batch);
      store.write(batch);
      UsageReport report = store.report(UsageQuery.parse("2026-11", "", null));
      assertThat(report.rows()).hasSize(1);
      assertThat(report.rows().get(0).requests()).isEqualTo(2);
      assertThat(report.rows().get(0).inputTokens()).isEqualTo(30);
      assertThat(report.rows().get(0).cost()).isEqualByComparingTo("0.03");
    }
  }

  @Test
  void reportsAMonthByNamespaceClientAndModelWithTotalsPerCurrency() {
    try (JdbcLedgerStore store = JdbcLedgerStore.open(LedgerDatabase.embedded(folder, 0))) {
      store.write(
          List.of(
              TestRecords.record("1", NOV, "team-a", "app-1", "gpt-4o", 100, 10, "0.50"),
              TestRecords.record(
                  "2", NOV.plusSeconds(5), "team-a", "app-1", "gpt-4o", 50, 5, "0.25"),
              TestRecords.record("3", NOV, "team-a", "app-2", "gpt-4o-mini", 7, 3, null),
              TestRecords.record("4", NOV, "team-b", "app-9", "gpt-4o", 1, 1, "0.001"),
              // December is another period.
              TestRecords.record("5", DEC, "team-a", "app-1", "gpt-4o", 999, 999, "9")));
      UsageReport report =
          store.report(UsageQuery.parse("2026-11", "namespace,client,model", null));

      assertThat(report.rows())
          .extracting(UsageReport.Row::keys)
          .containsExactly(
              List.of("team-a", "app-1", "gpt-4o"),
              List.of("team-a", "app-2", "gpt-4o-mini"),
              List.of("team-b", "app-9", "gpt-4o"));
      UsageReport.Row first = report.rows().get(0);
      assertThat(first.requests()).isEqualTo(2);
      assertThat(first.inputTokens()).isEqualTo(150);
      assertThat(first.outputTokens()).isEqualTo(15);
      assertThat(first.cost()).isEqualByComparingTo("0.75");
      assertThat(first.currency()).isEqualTo("USD");
      assertThat(report.totals())
          .extracting(UsageReport.Row::currency, UsageReport.Row::requests, UsageReport.Row::cost)
          .containsExactly(
              org.assertj.core.groups.Tuple.tuple("USD", 3L, new BigDecimal("0.751")),
              org.assertj.core.groups.Tuple.tuple(null, 1L, BigDecimal.ZERO));

      assertThat(UsageReportFormat.TABLE.render(report))
          .isEqualTo(
              """
              namespace  client  model        currency  requests  errors  input_tokens  cached_input_tokens  output_tokens   cost
              team-a     app-1   gpt-4o       USD              2       0           150                    0             15   0.75
              team-a     app-2   gpt-4o-mini  -                1       0             7                    0              3      0
              team-b     app-9   gpt-4o       USD              1       0             1                    0              1  0.001
              TOTAL                           USD              3       0           151                    0             16  0.751
              TOTAL                           -                1       0             7                    0              3      0
              """);
      assertThat(UsageReportFormat.CSV.render(report))
          .startsWith(
              "namespace,client,model,currency,requests,errors,input_tokens,cached_input_tokens,"
                  + "output_tokens,cost\r\nteam-a,app-1,gpt-4o,USD,2,0,150,0,15,0.75\r\n");
      assertThat(UsageReportFormat.JSON.render(report))
          .contains("\"from\" : \"2026-11-01T00:00:00Z\"")
          .contains("\"namespace\" : \"team-b\"")
          .contains("\"cost\" : 0.751");
    }
  }

  @Test
  void oneNamespacesReportHoldsOnlyItsRecords() {
    try (JdbcLedgerStore store = JdbcLedgerStore.open(LedgerDatabase.embedded(folder, 0))) {
      store.write(
          List.of(
              TestRecords.record("1", NOV, "team-a", "app-1", "gpt-4o", 100, 10, "0.50"),
              TestRecords.record("2", NOV, "team-b", "app-9", "gpt-4o", 1, 1, "0.001")));
      UsageReport report = store.report(UsageQuery.parse("2026-11", "client", "team-b"));
      assertThat(report.rows()).extracting(UsageReport.Row::keys).containsExactly(List.of("app-9"));
    }
  }

  @Test
  void retentionDeletesMonthsBeforeTheKeptOnes() {
    try (JdbcLedgerStore store = JdbcLedgerStore.open(LedgerDatabase.embedded(folder, 1))) {
      store.write(
          List.of(
              TestRecords.record(
                  "old", Instant.parse("2026-09-30T23:59:59Z"), "a", "c", "m", 1, 1, null),
              TestRecords.record(
                  "kept", Instant.parse("2026-10-01T00:00:00Z"), "a", "c", "m", 1, 1, null),
              TestRecords.record("now", NOV, "a", "c", "m", 1, 1, null)));
      store.applyRetention(NOV);
      assertThat(store.report(UsageQuery.parse("2026-09", "", null)).rows()).isEmpty();
      assertThat(store.report(UsageQuery.parse("2026-10", "", null)).rows()).hasSize(1);
    }
  }

  @Test
  void aReopenedLedgerKeepsItsRecords() {
    try (JdbcLedgerStore store = JdbcLedgerStore.open(LedgerDatabase.embedded(folder, 0))) {
      store.write(List.of(TestRecords.record("1", NOV, "team-a", "app-1", "gpt-4o", 1, 1, "1")));
    }
    try (JdbcLedgerStore store = JdbcLedgerStore.open(LedgerDatabase.embedded(folder, 0))) {
      assertThat(store.report(UsageQuery.parse("2026-11-05", "namespace", null)).rows()).hasSize(1);
    }
  }

  @Test
  void theDailyRollupAgreesWithTheRecordsAcrossReplaysAndRepeats() {
    List<LedgerRecord> records = RollupChecks.mixed(600);
    try (JdbcLedgerStore store = JdbcLedgerStore.open(LedgerDatabase.embedded(folder, 0))) {
      store.write(records.subList(0, 400));
      // A replayed batch overlapping the first, with a repeat inside it: only the new ones count.
      List<LedgerRecord> replay = new java.util.ArrayList<>(records.subList(300, 600));
      replay.add(records.get(500));
      store.write(replay);
      RollupChecks.rollupAgreesWithRecords(store);
      long requests =
          java.util.stream.Stream.of("2026-10", "2026-11")
              .flatMap(month -> store.report(UsageQuery.parse(month, "", null)).rows().stream())
              .mapToLong(UsageReport.Row::requests)
              .sum();
      assertThat(requests).isEqualTo(600);
    }
  }

  @Test
  void recordsStoredBeforeTheRollupExistedAreInIt() throws Exception {
    LedgerDatabase db = LedgerDatabase.embedded(folder, 0);
    org.flywaydb.core.Flyway.configure()
        .dataSource(db.url(), null, null)
        .locations("classpath:db/ledger")
        .placeholders(java.util.Map.of("partitionBy", ""))
        .table("ledger_schema_history")
        .target("1")
        .load()
        .migrate();
    List<LedgerRecord> records = RollupChecks.mixed(90);
    try (java.sql.Connection c = java.sql.DriverManager.getConnection(db.url())) {
      c.setAutoCommit(false);
      RecordInserts.insert(c, false, records);
      c.commit();
    }
    try (JdbcLedgerStore store = JdbcLedgerStore.open(db)) {
      RollupChecks.rollupAgreesWithRecords(store);
    }
  }
}
