package dev.tollgate.ledger;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The SQL of Envoy's answers to audited versions (table {@code config_audit_answer}): one row per
 * node and version, a later answer replacing the earlier one. Delete-then-insert in the caller's
 * transaction, because H2 has no {@code ON CONFLICT DO UPDATE}. Stateless.
 */
final class AuditAnswers {
  private AuditAnswers() {}

  static int write(Connection c, EnvoyAnswer a) throws SQLException {
    try (PreparedStatement delete =
        c.prepareStatement(
            "DELETE FROM config_audit_answer WHERE node_group = ? AND version = ? AND node_id = ?")) {
      delete.setString(1, a.nodeGroup());
      delete.setString(2, a.version());
      delete.setString(3, a.nodeId());
      delete.executeUpdate();
    }
    try (PreparedStatement insert =
        c.prepareStatement(
            "INSERT INTO config_audit_answer (node_group, version, node_id, answer, answered_at,"
                + " detail) VALUES (?, ?, ?, ?, ?, ?)")) {
      insert.setString(1, a.nodeGroup());
      insert.setString(2, a.version());
      insert.setString(3, a.nodeId());
      insert.setString(4, a.word());
      insert.setObject(5, a.time().atOffset(ZoneOffset.UTC));
      insert.setString(6, a.detail());
      return insert.executeUpdate();
    }
  }

  /** The answers to each of {@code records}' versions, by node group and version. */
  static List<AuditRecord> attach(Connection c, List<AuditRecord> records) throws SQLException {
    if (records.isEmpty()) {
      return records;
    }
    Map<String, List<EnvoyAnswer>> byVersion = new HashMap<>();
    try (PreparedStatement select =
        c.prepareStatement(
            "SELECT node_group, version, node_id, answer, answered_at, detail FROM"
                + " config_audit_answer WHERE node_group = ? AND version = ? ORDER BY node_id")) {
      for (AuditRecord r : records) {
        String key = r.nodeGroup() + "\n" + r.version();
        if (byVersion.containsKey(key)) {
          continue;
        }
        select.setString(1, r.nodeGroup());
        select.setString(2, r.version());
        List<EnvoyAnswer> answers = new ArrayList<>();
        try (ResultSet rs = select.executeQuery()) {
          while (rs.next()) {
            answers.add(
                new EnvoyAnswer(
                    rs.getString(1),
                    rs.getString(2),
                    rs.getString(3),
                    "ack".equals(rs.getString(4)),
                    rs.getObject(5, OffsetDateTime.class).toInstant(),
                    rs.getString(6)));
          }
        }
        byVersion.put(key, answers);
      }
    }
    List<AuditRecord> out = new ArrayList<>(records.size());
    for (AuditRecord r : records) {
      out.add(r.withAnswers(byVersion.get(r.nodeGroup() + "\n" + r.version())));
    }
    return out;
  }
}
