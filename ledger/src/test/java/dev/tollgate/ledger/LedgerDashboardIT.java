package dev.tollgate.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.testkit.PostgresServer;
import dev.tollgate.testkit.RepoRoot;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The chart's ledger dashboard (helm/tollgate/dashboards/ledger.json): every panel's SQL, with
 * Grafana's macros expanded as its PostgreSQL data source does, runs against the ledger's real
 * schema (migrated by the ledger) and returns rows in the shape its format needs.
 */
class LedgerDashboardIT {
  private static final String FROM = "'2026-10-01T00:00:00Z'";
  private static final String TO = "'2026-11-30T23:59:59Z'";

  /** What Grafana sends for a query: $__timeFilter and the multi-value $namespace expanded. */
  static String expand(String sql) {
    String expanded =
        sql.replaceAll("\\$__timeFilter\\((\\w+)\\)", "$1 BETWEEN " + FROM + " AND " + TO)
            .replace("$namespace", "'team-0','team-1','team-2'");
    assertThat(expanded).as("a macro or variable the test does not expand").doesNotContain("$");
    return expanded;
  }

  @Test
  void everyPanelsQueryRunsOnTheLedgerSchemaAndReturnsRows() throws Exception {
    JsonNode dashboard =
        new ObjectMapper()
            .readTree(RepoRoot.resolve("helm/tollgate/dashboards/ledger.json").toFile());
    assertThat(dashboard.path("uid").asText()).isEqualTo("tollgate-ledger");
    List<String> titles = new ArrayList<>();
    dashboard.path("panels").forEach(p -> titles.add(p.path("title").asText()));
    assertThat(titles)
        .containsExactly(
            "Cost by team and month",
            "Top clients",
            "Model mix",
            "Active clients per day",
            "Peak hours (UTC)",
            "Error rate by provider");
    try (PostgresServer postgres = PostgresServer.start()) {
      LedgerDatabase db = new LedgerDatabase(postgres.jdbcUrl(), postgres.user(), null, 0);
      try (JdbcLedgerStore store = JdbcLedgerStore.open(db)) {
        store.write(RollupChecks.mixed(600));
      }
      try (Connection c = DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), null);
          Statement s = c.createStatement()) {
        for (JsonNode variable : dashboard.path("templating").path("list")) {
          if (variable.path("type").asText().equals("query")) {
            assertThat(rows(s, variable.path("query").asText(), null)).isPositive();
          }
        }
        for (JsonNode panel : dashboard.path("panels")) {
          assertThat(panel.path("datasource").path("uid").asText()).isEqualTo("${ledger}");
          for (JsonNode target : panel.path("targets")) {
            String sql = expand(target.path("rawSql").asText());
            String format = target.path("format").asText();
            assertThat(rows(s, sql, format))
                .as("rows of panel '%s': %s", panel.path("title").asText(), sql)
                .isPositive();
          }
        }
      }
    }
  }

  private static int rows(Statement s, String sql, String format) throws Exception {
    try (ResultSet rs = s.executeQuery(sql)) {
      ResultSetMetaData meta = rs.getMetaData();
      if ("time_series".equals(format)) {
        assertThat(meta.getColumnLabel(1)).as(sql).isEqualTo("time");
        assertThat(meta.getColumnTypeName(1)).as(sql).isEqualTo("timestamptz");
      }
      int n = 0;
      while (rs.next()) {
        n++;
      }
      return n;
    }
  }
}
