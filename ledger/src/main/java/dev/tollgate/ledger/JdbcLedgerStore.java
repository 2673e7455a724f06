package dev.tollgate.ledger;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import org.flywaydb.core.Flyway;

/**
 * The ledger in PostgreSQL (monthly partitions, created as needed, old ones dropped) or in the
 * embedded H2 file. The schema is migrated with Flyway on the first successful connection. A failed
 * write drops the connection, and the next call reconnects. Not thread-safe.
 */
public final class JdbcLedgerStore implements LedgerStore {
  private final LedgerDatabase database;
  private final Set<YearMonth> partitions = new HashSet<>();
  private boolean migrated;
  private Connection connection;

  private JdbcLedgerStore(LedgerDatabase database) {
    this.database = database;
  }

  /** A store that connects (and migrates) on its first use. */
  public static JdbcLedgerStore lazy(LedgerDatabase database) {
    return new JdbcLedgerStore(database);
  }

  /**
   * Connects and migrates now.
   *
   * @throws LedgerUnavailableException when the database cannot be reached or migrated
   */
  public static JdbcLedgerStore open(LedgerDatabase database) {
    JdbcLedgerStore store = new JdbcLedgerStore(database);
    store.connection();
    return store;
  }

  @Override
  public void write(List<LedgerRecord> batch) {
    if (batch.isEmpty()) {
      return;
    }
    try {
      Connection c = connection();
      if (database.postgres()) {
        ensurePartitions(c, batch);
      }
      // The records and the rollup change in one transaction: both or neither.
      List<LedgerRecord> inserted = RecordInserts.insert(c, database.postgres(), batch);
      DailyRollup.add(c, database.postgres(), inserted);
      c.commit();
    } catch (SQLException | RuntimeException e) {
      disconnect();
      throw e instanceof LedgerUnavailableException u
          ? u
          : new LedgerUnavailableException("could not write " + batch.size() + " records", e);
    }
  }

  @Override
  public UsageReport report(UsageQuery query) {
    return DailyRollup.answers(query) ? reportFromRollup(query) : reportFromRecords(query);
  }

  /** A report summed from the records themselves, for periods that are not whole days. */
  UsageReport reportFromRecords(UsageQuery query) {
    List<String> columns = new ArrayList<>();
    query.by().forEach(d -> columns.add(d.column()));
    String keys = columns.isEmpty() ? "" : String.join(", ", columns) + ", ";
    List<String> order = new ArrayList<>();
    columns.forEach(c -> order.add(c + " NULLS FIRST"));
    order.add("currency NULLS FIRST");
    String sql =
        "SELECT "
            + keys
            + "currency, COUNT(*), SUM(CASE WHEN status >= 400 OR error IS NOT NULL THEN 1 ELSE 0"
            + " END), SUM(input_tokens), SUM(cached_input_tokens), SUM(output_tokens),"
            + " COALESCE(SUM(cost), 0) FROM ledger_record WHERE ended_at >= ? AND ended_at < ?"
            + (query.namespace() == null ? "" : " AND namespace = ?")
            + " GROUP BY "
            + keys
            + "currency ORDER BY "
            + String.join(", ", order);
    return select(query, sql, utc(query.from()), utc(query.to()));
  }

  /** A report summed from the daily rollup: its period is whole UTC days. */
  UsageReport reportFromRollup(UsageQuery query) {
    LocalDate[] days = DailyRollup.days(query);
    return select(query, DailyRollup.reportSql(query), days[0], days[1]);
  }

  private UsageReport select(UsageQuery query, String sql, Object from, Object to) {
    try {
      Connection c = connection();
      try (PreparedStatement select = c.prepareStatement(sql)) {
        select.setObject(1, from);
        select.setObject(2, to);
        if (query.namespace() != null) {
          select.setString(3, query.namespace());
        }
        List<UsageReport.Row> rows = new ArrayList<>();
        try (ResultSet rs = select.executeQuery()) {
          int n = query.by().size();
          while (rs.next()) {
            List<String> values = new ArrayList<>(n);
            for (int i = 1; i <= n; i++) {
              values.add(rs.getString(i));
            }
            rows.add(
                new UsageReport.Row(
                    values,
                    rs.getString(n + 1),
                    rs.getLong(n + 2),
                    rs.getLong(n + 3),
                    rs.getLong(n + 4),
                    rs.getLong(n + 5),
                    rs.getLong(n + 6),
                    rs.getBigDecimal(n + 7).stripTrailingZeros()));
          }
        }
        c.commit();
        return new UsageReport(query, rows);
      }
    } catch (SQLException e) {
      disconnect();
      throw new LedgerUnavailableException("could not read the ledger", e);
    }
  }

  /**
   * Drops what is older than the retention: whole monthly partitions in PostgreSQL, rows in H2.
   *
   * @param now the current instant; its month and the {@code retentionMonths} before it are kept
   */
  @Override
  public void applyRetention(Instant now) {
    if (database.retentionMonths() == 0) {
      return;
    }
    YearMonth oldestKept =
        YearMonth.from(now.atOffset(ZoneOffset.UTC)).minusMonths(database.retentionMonths());
    try {
      Connection c = connection();
      if (database.postgres()) {
        for (YearMonth month : partitionMonths(c)) {
          if (month.isBefore(oldestKept)) {
            try (Statement s = c.createStatement()) {
              s.execute("DROP TABLE IF EXISTS " + partitionName(month));
            }
            partitions.remove(month);
          }
        }
      } else {
        try (PreparedStatement delete =
            c.prepareStatement("DELETE FROM ledger_record WHERE ended_at < ?")) {
          delete.setObject(1, utc(oldestKept.atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC)));
          delete.executeUpdate();
        }
      }
      try (PreparedStatement delete =
          c.prepareStatement("DELETE FROM ledger_daily WHERE ended_on < ?")) {
        delete.setObject(1, oldestKept.atDay(1));
        delete.executeUpdate();
      }
      c.commit();
    } catch (SQLException e) {
      disconnect();
      throw new LedgerUnavailableException("could not apply the ledger's retention", e);
    }
  }

  /** The months that have a partition, oldest first (PostgreSQL only). */
  Set<YearMonth> partitionMonths(Connection c) throws SQLException {
    Set<YearMonth> months = new TreeSet<>();
    try (Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                // The table the connection's search path names: other schemas' ledgers aside.
                "SELECT child.relname FROM pg_inherits JOIN pg_class child ON child.oid ="
                    + " pg_inherits.inhrelid WHERE pg_inherits.inhparent ="
                    + " 'ledger_record'::regclass")) {
      while (rs.next()) {
        String name = rs.getString(1);
        if (name.matches("ledger_record_y\\d{4}m\\d{2}")) {
          months.add(
              YearMonth.of(
                  Integer.parseInt(name.substring(15, 19)),
                  Integer.parseInt(name.substring(20, 22))));
        }
      }
    }
    return months;
  }

  /** The months that have a partition, oldest first (PostgreSQL only); for tests and tools. */
  public Set<YearMonth> partitionMonths() {
    try {
      Set<YearMonth> months = partitionMonths(connection());
      connection.commit();
      return months;
    } catch (SQLException e) {
      disconnect();
      throw new LedgerUnavailableException("could not list the ledger's partitions", e);
    }
  }

  /** Work on the store's connection, in one transaction. */
  @FunctionalInterface
  interface SqlWork<T> {
    T run(Connection c) throws SQLException;
  }

  /**
   * Runs {@code work} on the connection (made and migrated if needed) and commits; a failure drops
   * the connection, so the next call reconnects.
   *
   * @throws LedgerUnavailableException naming {@code what} could not be done
   */
  <T> T transaction(String what, SqlWork<T> work) {
    try {
      Connection c = connection();
      T result = work.run(c);
      c.commit();
      return result;
    } catch (SQLException e) {
      disconnect();
      throw new LedgerUnavailableException("could not " + what, e);
    }
  }

  @Override
  public void close() {
    disconnect();
  }

  private void ensurePartitions(Connection c, List<LedgerRecord> batch) throws SQLException {
    for (LedgerRecord r : batch) {
      YearMonth month = YearMonth.from(r.time().atOffset(ZoneOffset.UTC));
      if (partitions.add(month)) {
        try (Statement s = c.createStatement()) {
          s.execute(
              "CREATE TABLE IF NOT EXISTS "
                  + partitionName(month)
                  + " PARTITION OF ledger_record FOR VALUES FROM ('"
                  + month.atDay(1)
                  + " 00:00:00+00') TO ('"
                  + month.plusMonths(1).atDay(1)
                  + " 00:00:00+00')");
          c.commit();
        } catch (SQLException e) {
          partitions.remove(month);
          c.rollback();
          // Another writer may have created it between our check and our statement.
          if (!partitionMonths(c).contains(month)) {
            throw e;
          }
          partitions.add(month);
        }
      }
    }
  }

  private static String partitionName(YearMonth month) {
    return String.format("ledger_record_y%04dm%02d", month.getYear(), month.getMonthValue());
  }

  private static OffsetDateTime utc(Instant instant) {
    return instant.atOffset(ZoneOffset.UTC);
  }

  private Connection connection() {
    if (connection != null) {
      return connection;
    }
    try {
      if (!migrated) {
        Flyway.configure()
            .dataSource(database.url(), database.user(), database.password())
            .locations("classpath:db/ledger")
            .placeholders(
                java.util.Map.of(
                    "partitionBy", database.postgres() ? "PARTITION BY RANGE (ended_at)" : ""))
            .table("ledger_schema_history")
            .load()
            .migrate();
        migrated = true;
      }
      Properties props = new Properties();
      if (database.user() != null) {
        props.setProperty("user", database.user());
      }
      if (database.password() != null) {
        props.setProperty("password", database.password());
      }
      if (database.postgres()) {
        // A database that stops answering must not hold the writer: the batch goes to the spool.
        props.setProperty("connectTimeout", "5");
        props.setProperty("socketTimeout", "30");
        props.setProperty("reWriteBatchedInserts", "true");
      }
      Connection c = DriverManager.getConnection(database.url(), props);
      c.setAutoCommit(false);
      connection = c;
      return c;
    } catch (SQLException | RuntimeException e) {
      throw new LedgerUnavailableException("could not connect to the ledger " + database, e);
    }
  }

  private void disconnect() {
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException ignored) {
        // The connection is already gone; a new one is made on the next call.
      }
      connection = null;
    }
  }
}
