package dev.tollgate.ledger;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Inserts a batch of records, skipping those already stored (same request id and time), and says
 * which were new, so that only those are added to the rollup. Times are kept to the microsecond
 * (PostgreSQL's precision), so a replayed record matches the stored one exactly.
 */
final class RecordInserts {
  static final String COLUMNS =
      "ended_at, request_id, namespace, route, rule, client, requested_model, upstream_model,"
          + " provider, api, status, input_tokens, cached_input_tokens, output_tokens, cost,"
          + " currency, budget, latency_ms, ttft_ms, attempts, error";
  private static final String H2_INSERT =
      "INSERT INTO ledger_record ("
          + COLUMNS
          + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
          + " ON CONFLICT DO NOTHING";
  // One statement per batch: the columns as text arrays, unnested, cast, inserted; RETURNING
  // names the rows that were new (a skipped row returns nothing).
  private static final String POSTGRES_INSERT =
      "INSERT INTO ledger_record ("
          + COLUMNS
          + ") SELECT c1::timestamptz, c2, c3, c4, c5::integer, c6, c7, c8, c9, c10, c11::integer,"
          + " c12::bigint, c13::bigint, c14::bigint, c15::numeric, c16, c17, c18::double precision,"
          + " c19::double precision, c20::integer, c21 FROM unnest(?::text[], ?::text[],"
          + " ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[],"
          + " ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[],"
          + " ?::text[], ?::text[], ?::text[], ?::text[], ?::text[]) AS t(c1, c2, c3, c4, c5, c6,"
          + " c7, c8, c9, c10, c11, c12, c13, c14, c15, c16, c17, c18, c19, c20, c21) ON CONFLICT"
          + " DO NOTHING RETURNING request_id, ended_at";

  private RecordInserts() {}

  /** Inserts the batch in the caller's transaction and returns the records that were new. */
  static List<LedgerRecord> insert(Connection c, boolean postgres, List<LedgerRecord> batch)
      throws SQLException {
    Map<String, LedgerRecord> distinct = new LinkedHashMap<>();
    for (LedgerRecord r : batch) {
      distinct.putIfAbsent(key(r.requestId(), time(r)), r);
    }
    List<LedgerRecord> records = new ArrayList<>(distinct.values());
    return postgres ? insertPostgres(c, records) : insertH2(c, records);
  }

  private static List<LedgerRecord> insertPostgres(Connection c, List<LedgerRecord> records)
      throws SQLException {
    int n = records.size();
    String[][] columns = new String[21][n];
    for (int i = 0; i < n; i++) {
      LedgerRecord r = records.get(i);
      String[] v = {
        time(r).toString(),
        r.requestId(),
        r.namespace(),
        r.route(),
        text(r.rule()),
        r.client(),
        r.requestedModel(),
        r.upstreamModel(),
        r.provider(),
        r.api(),
        Integer.toString(r.status()),
        Long.toString(r.inputTokens()),
        Long.toString(r.cachedInputTokens()),
        Long.toString(r.outputTokens()),
        r.cost() == null ? null : r.cost().toPlainString(),
        r.currency(),
        budget(r),
        Double.toString(r.latencyMillis()),
        text(r.timeToFirstTokenMillis()),
        text(r.attempts()),
        r.error()
      };
      for (int col = 0; col < 21; col++) {
        columns[col][i] = v[col];
      }
    }
    Set<String> inserted = new HashSet<>();
    try (PreparedStatement insert = c.prepareStatement(POSTGRES_INSERT)) {
      List<Array> arrays = new ArrayList<>(21);
      for (int col = 0; col < 21; col++) {
        Array array = c.createArrayOf("text", columns[col]);
        arrays.add(array);
        insert.setArray(col + 1, array);
      }
      try (ResultSet rs = insert.executeQuery()) {
        while (rs.next()) {
          inserted.add(key(rs.getString(1), rs.getObject(2, OffsetDateTime.class).toInstant()));
        }
      }
      for (Array array : arrays) {
        array.free();
      }
    }
    List<LedgerRecord> fresh = new ArrayList<>(inserted.size());
    for (LedgerRecord r : records) {
      if (inserted.contains(key(r.requestId(), time(r)))) {
        fresh.add(r);
      }
    }
    return fresh;
  }

  private static List<LedgerRecord> insertH2(Connection c, List<LedgerRecord> records)
      throws SQLException {
    try (PreparedStatement insert = c.prepareStatement(H2_INSERT)) {
      for (LedgerRecord r : records) {
        bind(insert, r);
        insert.addBatch();
      }
      int[] counts = insert.executeBatch();
      List<LedgerRecord> fresh = new ArrayList<>(records.size());
      for (int i = 0; i < counts.length; i++) {
        if (counts[i] > 0) {
          fresh.add(records.get(i));
        }
      }
      return fresh;
    }
  }

  private static String key(String requestId, Instant time) {
    return time + " " + requestId;
  }

  private static Instant time(LedgerRecord r) {
    return r.time().truncatedTo(ChronoUnit.MICROS);
  }

  private static String budget(LedgerRecord r) {
    return r.budget().name().toLowerCase(Locale.ROOT);
  }

  private static String text(Object value) {
    return value == null ? null : value.toString();
  }

  private static void bind(PreparedStatement s, LedgerRecord r) throws SQLException {
    s.setObject(1, time(r).atOffset(ZoneOffset.UTC));
    s.setString(2, r.requestId());
    s.setString(3, r.namespace());
    s.setString(4, r.route());
    setInteger(s, 5, r.rule());
    s.setString(6, r.client());
    s.setString(7, r.requestedModel());
    s.setString(8, r.upstreamModel());
    s.setString(9, r.provider());
    s.setString(10, r.api());
    s.setInt(11, r.status());
    s.setLong(12, r.inputTokens());
    s.setLong(13, r.cachedInputTokens());
    s.setLong(14, r.outputTokens());
    s.setBigDecimal(15, r.cost());
    s.setString(16, r.currency());
    s.setString(17, budget(r));
    s.setDouble(18, r.latencyMillis());
    if (r.timeToFirstTokenMillis() == null) {
      s.setNull(19, Types.DOUBLE);
    } else {
      s.setDouble(19, r.timeToFirstTokenMillis());
    }
    setInteger(s, 20, r.attempts());
    s.setString(21, r.error());
  }

  private static void setInteger(PreparedStatement s, int index, Integer value)
      throws SQLException {
    if (value == null) {
      s.setNull(index, Types.INTEGER);
    } else {
      s.setInt(index, value);
    }
  }
}
