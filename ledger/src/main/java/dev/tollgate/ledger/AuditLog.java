package dev.tollgate.ledger;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit trail of published configuration versions, in the ledger's database (table {@code
 * config_audit}), with Envoy's answers to each version ({@code config_audit_answer}). {@link
 * #published} and {@link #answered} hand a record to a thread of its own and return; a record the
 * database refuses is logged and counted, and the caller never waits. Thread-safe.
 */
public final class AuditLog implements ConfigAudit, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);
  private static final String INSERT =
      "INSERT INTO config_audit (published_at, node_group, version, previous_version, added,"
          + " changed, removed, changes, problem) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT"
          + " DO NOTHING";

  private final LedgerDatabase database;
  private final JdbcLedgerStore store;
  private final ThreadPoolExecutor writer;
  private final AtomicLong lost = new AtomicLong();

  /** An audit log in {@code database}, connected on its first use. */
  public AuditLog(LedgerDatabase database) {
    this.database = database;
    this.store = JdbcLedgerStore.lazy(database);
    this.writer =
        new ThreadPoolExecutor(
            1,
            1,
            0,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(1_000),
            r -> {
              Thread t = new Thread(r, "tollgate-config-audit");
              t.setDaemon(true);
              return t;
            },
            (r, executor) -> lost.incrementAndGet());
  }

  @Override
  public void published(AuditRecord record) {
    later(record.version(), "", () -> write(record));
  }

  /**
   * Like {@link #published}, but keeps nothing when the newest record of the node group is already
   * of this version: for a replica that becomes the leader and records the version it holds, which
   * the previous leader may have recorded.
   */
  public void publishedUnlessNewest(AuditRecord record) {
    later(
        record.version(),
        "",
        () -> {
          List<AuditRecord> newest = newest(record.nodeGroup());
          if (newest.isEmpty() || !newest.get(0).version().equals(record.version())) {
            write(record);
          }
        });
  }

  @Override
  public void answered(EnvoyAnswer answer) {
    later(
        answer.version(),
        " (Envoy node " + answer.nodeId() + "'s " + answer.word() + ")",
        () -> {
          synchronized (store) {
            store.transaction(
                "write Envoy node " + answer.nodeId() + "'s answer to version " + answer.version(),
                c -> AuditAnswers.write(c, answer));
          }
        });
  }

  private void later(String version, String what, Runnable work) {
    writer.execute(
        () -> {
          try {
            work.run();
          } catch (LedgerUnavailableException e) {
            lost.incrementAndGet();
            LOG.warn(
                "configuration version {}{} not in the audit trail: {}",
                version,
                what,
                e.getMessage());
          }
        });
  }

  /** Writes one record now (idempotent: the same version at the same time is kept once). */
  public void write(AuditRecord r) {
    List<String> lines = new ArrayList<>();
    r.changes().forEach(c -> lines.add(c.line()));
    synchronized (store) {
      store.transaction(
          "write the audit record of version " + r.version(),
          c -> {
            try (PreparedStatement insert = c.prepareStatement(INSERT)) {
              insert.setObject(1, r.time().atOffset(ZoneOffset.UTC));
              insert.setString(2, r.nodeGroup());
              insert.setString(3, r.version());
              insert.setString(4, r.previousVersion());
              insert.setLong(5, r.count(AuditRecord.What.ADDED));
              insert.setLong(6, r.count(AuditRecord.What.CHANGED));
              insert.setLong(7, r.count(AuditRecord.What.REMOVED));
              insert.setString(8, String.join("\n", lines));
              insert.setString(9, r.problem());
              return insert.executeUpdate();
            }
          });
    }
  }

  /**
   * The newest records first.
   *
   * @param limit at most this many
   * @throws LedgerUnavailableException when the database cannot be read
   */
  public List<AuditRecord> list(int limit) {
    return select("", null, limit);
  }

  private List<AuditRecord> newest(String nodeGroup) {
    return select(" WHERE node_group = ?", nodeGroup, 1);
  }

  private List<AuditRecord> select(String where, String nodeGroup, int limit) {
    synchronized (store) {
      return store.transaction(
          "read the audit trail",
          c -> {
            List<AuditRecord> records = new ArrayList<>();
            try (PreparedStatement select =
                c.prepareStatement(
                    "SELECT published_at, node_group, version, previous_version, changes, problem"
                        + " FROM config_audit"
                        + where
                        + " ORDER BY published_at DESC, node_group, version LIMIT ?")) {
              int i = 1;
              if (nodeGroup != null) {
                select.setString(i++, nodeGroup);
              }
              select.setInt(i, limit);
              try (ResultSet rs = select.executeQuery()) {
                while (rs.next()) {
                  List<AuditRecord.Change> changes = new ArrayList<>();
                  String text = rs.getString(5);
                  if (!text.isEmpty()) {
                    for (String line : text.split("\n")) {
                      changes.add(AuditRecord.Change.parse(line));
                    }
                  }
                  records.add(
                      new AuditRecord(
                          rs.getObject(1, OffsetDateTime.class).toInstant(),
                          rs.getString(2),
                          rs.getString(3),
                          rs.getString(4),
                          changes,
                          rs.getString(6)));
                }
              }
            }
            return AuditAnswers.attach(c, records);
          });
    }
  }

  /** The database the trail is kept in (the ledger's). */
  public LedgerDatabase database() {
    return database;
  }

  /** Records that could not be written (queue full or database refused). */
  public long lost() {
    return lost.get();
  }

  /** Writes what is queued (up to 5 s), then disconnects. */
  @Override
  public void close() {
    writer.shutdown();
    try {
      writer.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    synchronized (store) {
      store.close();
    }
  }
}
