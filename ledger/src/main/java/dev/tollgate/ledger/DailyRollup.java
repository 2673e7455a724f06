package dev.tollgate.ledger;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The daily rollup table {@code ledger_daily}: per UTC day and combination of every report
 * dimension and currency, the sums a usage report shows. {@link JdbcLedgerStore} adds the records a
 * batch newly inserted, in the batch's transaction, so the rollup and the records never disagree
 * and a replayed batch adds nothing. Whole-day and whole-month reports read it instead of the
 * records.
 */
final class DailyRollup {
  private static final String KEYS =
      "ended_on, namespace, route, client, requested_model, upstream_model, provider, api, status,"
          + " budget, currency";
  private static final String SUMS =
      "requests, errors, input_tokens, cached_input_tokens, output_tokens, cost";
  private static final String POSTGRES_UPSERT =
      "INSERT INTO ledger_daily ("
          + KEYS
          + ", "
          + SUMS
          + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (ended_on,"
          + " namespace, client, requested_model, upstream_model, provider, route, api, status,"
          + " budget, currency) DO UPDATE SET requests = ledger_daily.requests + EXCLUDED.requests,"
          + " errors = ledger_daily.errors + EXCLUDED.errors, input_tokens ="
          + " ledger_daily.input_tokens + EXCLUDED.input_tokens, cached_input_tokens ="
          + " ledger_daily.cached_input_tokens + EXCLUDED.cached_input_tokens, output_tokens ="
          + " ledger_daily.output_tokens + EXCLUDED.output_tokens, cost = ledger_daily.cost +"
          + " EXCLUDED.cost";
  // H2 has no ON CONFLICT DO UPDATE; the standard MERGE does the same (one writer per H2 file).
  private static final String H2_MERGE =
      "MERGE INTO ledger_daily t USING (VALUES (CAST(? AS DATE), ?, ?, ?, ?, ?, ?, ?, CAST(? AS"
          + " INTEGER), ?, ?, CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS"
          + " BIGINT), CAST(? AS BIGINT), CAST(? AS NUMERIC(24, 9)))) AS s("
          + KEYS
          + ", "
          + SUMS
          + ") ON t.ended_on = s.ended_on AND t.namespace = s.namespace AND t.route = s.route AND t.client ="
          + " s.client AND t.requested_model = s.requested_model AND t.upstream_model ="
          + " s.upstream_model AND t.provider = s.provider AND t.api = s.api AND t.status ="
          + " s.status AND t.budget = s.budget AND t.currency = s.currency WHEN MATCHED THEN UPDATE"
          + " SET requests = t.requests + s.requests, errors = t.errors + s.errors, input_tokens ="
          + " t.input_tokens + s.input_tokens, cached_input_tokens = t.cached_input_tokens +"
          + " s.cached_input_tokens, output_tokens = t.output_tokens + s.output_tokens, cost ="
          + " t.cost + s.cost WHEN NOT MATCHED THEN INSERT ("
          + KEYS
          + ", "
          + SUMS
          + ") VALUES (s.ended_on, s.namespace, s.route, s.client, s.requested_model, s.upstream_model,"
          + " s.provider, s.api, s.status, s.budget, s.currency, s.requests, s.errors,"
          + " s.input_tokens, s.cached_input_tokens, s.output_tokens, s.cost)";

  /** A rollup row's key; text keys are "" where the record has null. */
  record Key(
      LocalDate day,
      String namespace,
      String route,
      String client,
      String requestedModel,
      String upstreamModel,
      String provider,
      String api,
      int status,
      String budget,
      String currency) {
    // Rows are upserted in this order, so concurrent writers lock them in the same order.
    static final Comparator<Key> ORDER =
        Comparator.comparing(Key::day)
            .thenComparing(Key::namespace)
            .thenComparing(Key::client)
            .thenComparing(Key::requestedModel)
            .thenComparing(Key::upstreamModel)
            .thenComparing(Key::provider)
            .thenComparing(Key::route)
            .thenComparing(Key::api)
            .thenComparingInt(Key::status)
            .thenComparing(Key::budget)
            .thenComparing(Key::currency);

    static Key of(LedgerRecord r) {
      return new Key(
          LocalDate.ofInstant(r.time(), ZoneOffset.UTC),
          text(r.namespace()),
          text(r.route()),
          text(r.client()),
          text(r.requestedModel()),
          text(r.upstreamModel()),
          text(r.provider()),
          r.api(),
          r.status(),
          r.budget().name().toLowerCase(java.util.Locale.ROOT),
          text(r.currency()));
    }

    private static String text(String value) {
      return value == null ? "" : value;
    }
  }

  /** A rollup row's sums, added to as records are. */
  static final class Sums {
    long requests;
    long errors;
    long inputTokens;
    long cachedInputTokens;
    long outputTokens;
    BigDecimal cost = BigDecimal.ZERO;

    void add(LedgerRecord r) {
      requests++;
      if (r.status() >= 400 || r.error() != null) {
        errors++;
      }
      inputTokens += r.inputTokens();
      cachedInputTokens += r.cachedInputTokens();
      outputTokens += r.outputTokens();
      if (r.cost() != null) {
        cost = cost.add(r.cost());
      }
    }
  }

  private DailyRollup() {}

  /** The records' sums per rollup key, in the order rows are written. */
  static Map<Key, Sums> sum(List<LedgerRecord> records) {
    Map<Key, Sums> rows = new TreeMap<>(Key.ORDER);
    for (LedgerRecord r : records) {
      rows.computeIfAbsent(Key.of(r), k -> new Sums()).add(r);
    }
    return rows;
  }

  /** Adds newly inserted records to the rollup, in the caller's transaction. */
  static void add(Connection c, boolean postgres, List<LedgerRecord> inserted) throws SQLException {
    if (inserted.isEmpty()) {
      return;
    }
    try (PreparedStatement upsert = c.prepareStatement(postgres ? POSTGRES_UPSERT : H2_MERGE)) {
      for (Map.Entry<Key, Sums> row : sum(inserted).entrySet()) {
        Key k = row.getKey();
        Sums s = row.getValue();
        upsert.setObject(1, k.day());
        upsert.setString(2, k.namespace());
        upsert.setString(3, k.route());
        upsert.setString(4, k.client());
        upsert.setString(5, k.requestedModel());
        upsert.setString(6, k.upstreamModel());
        upsert.setString(7, k.provider());
        upsert.setString(8, k.api());
        upsert.setInt(9, k.status());
        upsert.setString(10, k.budget());
        upsert.setString(11, k.currency());
        upsert.setLong(12, s.requests);
        upsert.setLong(13, s.errors);
        upsert.setLong(14, s.inputTokens);
        upsert.setLong(15, s.cachedInputTokens);
        upsert.setLong(16, s.outputTokens);
        upsert.setBigDecimal(17, s.cost);
        upsert.addBatch();
      }
      upsert.executeBatch();
    }
  }

  /** Whether the rollup answers the query: its period is whole UTC days. */
  static boolean answers(UsageQuery query) {
    return atMidnight(query.from()) && atMidnight(query.to());
  }

  private static boolean atMidnight(Instant instant) {
    return instant.atOffset(ZoneOffset.UTC).toLocalTime().equals(LocalTime.MIDNIGHT);
  }

  /**
   * The report's SQL on the rollup: parameters are the first day (inclusive), the last day
   * (exclusive) and, if the query has one, the namespace. Columns as in the records' report.
   */
  static String reportSql(UsageQuery query) {
    List<String> select = new ArrayList<>();
    List<String> group = new ArrayList<>();
    List<String> order = new ArrayList<>();
    int i = 0;
    for (UsageQuery.Dimension d : query.by()) {
      String alias = "k" + i++;
      String column = d.column();
      select.add(
          (d == UsageQuery.Dimension.STATUS ? column : "NULLIF(" + column + ", '')")
              + " AS "
              + alias);
      group.add(column);
      order.add(alias + " NULLS FIRST");
    }
    select.add("NULLIF(currency, '') AS cur");
    group.add("currency");
    order.add("cur NULLS FIRST");
    return "SELECT "
        + String.join(", ", select)
        + ", SUM(requests), SUM(errors), SUM(input_tokens), SUM(cached_input_tokens),"
        + " SUM(output_tokens), SUM(cost) FROM ledger_daily WHERE ended_on >= ? AND ended_on < ?"
        + (query.namespace() == null ? "" : " AND namespace = ?")
        + " GROUP BY "
        + String.join(", ", group)
        + " ORDER BY "
        + String.join(", ", order);
  }

  /** The first day a query covers and the day after its last. */
  static LocalDate[] days(UsageQuery query) {
    return new LocalDate[] {
      LocalDate.ofInstant(query.from(), ZoneOffset.UTC),
      LocalDate.ofInstant(query.to(), ZoneOffset.UTC)
    };
  }
}
