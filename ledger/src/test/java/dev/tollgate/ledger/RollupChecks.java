package dev.tollgate.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Checks shared by the H2 and PostgreSQL tests of the daily rollup. */
final class RollupChecks {
  private RollupChecks() {}

  /**
   * Records over three days of two months: every dimension varied, nulls (a 401 has no namespace,
   * an unpriced model no currency), errors, and one time with nanoseconds.
   */
  static List<LedgerRecord> mixed(int count) {
    List<LedgerRecord> records = new ArrayList<>();
    Instant[] days = {
      Instant.parse("2026-10-31T20:00:00.000001Z"),
      Instant.parse("2026-11-01T00:00:00Z"),
      Instant.parse("2026-11-17T12:30:00.123456789Z")
    };
    for (int i = 0; i < count; i++) {
      LedgerRecord r = TestRecords.numbered(i, days[i % 3].plusMillis(i));
      if (i % 7 == 0) {
        r = withStatus(r, null, 401, "invalid_api_key", null);
      } else if (i % 11 == 0) {
        r = withStatus(r, r.namespace(), 429, "rate_limited", null);
      } else if (i % 13 == 0) {
        r = withStatus(r, r.namespace(), 200, null, "unpriced");
      }
      records.add(r);
    }
    return records;
  }

  private static LedgerRecord withStatus(
      LedgerRecord r, String namespace, int status, String error, String unpriced) {
    boolean free = unpriced != null;
    return new LedgerRecord(
        r.time(),
        r.requestId(),
        namespace,
        r.route(),
        r.rule(),
        r.client(),
        r.requestedModel(),
        r.upstreamModel(),
        r.provider(),
        r.api(),
        status,
        r.inputTokens(),
        r.cachedInputTokens() + 1,
        r.outputTokens(),
        free ? null : r.cost(),
        free ? null : r.currency(),
        status == 429 ? LedgerRecord.Budget.REFUSED : r.budget(),
        r.latencyMillis(),
        r.timeToFirstTokenMillis(),
        r.attempts(),
        error);
  }

  /** The rollup's reports equal the records' for every period and several dimension sets. */
  static void rollupAgreesWithRecords(JdbcLedgerStore store) {
    String[] bys = {
      "",
      "namespace",
      "namespace,client,model",
      "provider,upstream-model,api",
      "route,status,budget",
      "client,namespace"
    };
    String[] periods = {"2026-10", "2026-11", "2026-10-31", "2026-11-17", "2026-12"};
    for (String period : periods) {
      for (String by : bys) {
        for (String namespace : new String[] {null, "team-1"}) {
          UsageQuery q = UsageQuery.parse(period, by, namespace);
          assertThat(DailyRollup.answers(q)).isTrue();
          UsageReport fromRollup = store.reportFromRollup(q);
          UsageReport fromRecords = store.reportFromRecords(q);
          assertThat(normalized(fromRollup))
              .as("report %s by '%s' of %s", period, by, namespace)
              .isEqualTo(normalized(fromRecords));
        }
      }
    }
    assertThat(store.report(UsageQuery.parse("2026-11", "", null)).rows()).isNotEmpty();
  }

  private static List<UsageReport.Row> normalized(UsageReport report) {
    List<UsageReport.Row> rows = new ArrayList<>();
    for (UsageReport.Row r : report.rows()) {
      rows.add(
          new UsageReport.Row(
              r.keys(),
              r.currency(),
              r.requests(),
              r.errors(),
              r.inputTokens(),
              r.cachedInputTokens(),
              r.outputTokens(),
              r.cost().compareTo(BigDecimal.ZERO) == 0 ? BigDecimal.ZERO : r.cost()));
    }
    return rows;
  }
}
