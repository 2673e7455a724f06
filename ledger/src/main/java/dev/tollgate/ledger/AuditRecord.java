package dev.tollgate.ledger;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One published configuration version, for the audit trail: what Envoy's configuration became, and
 * which resources made the difference. No secret is in it (resources are named, not shown).
 *
 * @param time when the version was published
 * @param nodeGroup the Envoy node group it was published to
 * @param version the configuration version
 * @param previousVersion the version it replaced, or null for the first
 * @param changes each resource added, changed or removed, sorted
 * @param problem why the version could not be published, or null when it was
 * @param answers each Envoy node's ACK or NACK of this version, sorted by node id; empty when none
 *     has answered yet (or the record was just published)
 */
public record AuditRecord(
    Instant time,
    String nodeGroup,
    String version,
    String previousVersion,
    List<Change> changes,
    String problem,
    List<EnvoyAnswer> answers) {

  /** How a resource's part of the configuration changed. */
  public enum What {
    ADDED,
    CHANGED,
    REMOVED
  }

  /**
   * One resource's change.
   *
   * @param what how its part changed
   * @param kind e.g. {@code AIRoute}
   * @param namespace its namespace
   * @param name its name
   * @param generation its {@code metadata.generation} then, or null when unknown (a file's, or a
   *     deleted resource's)
   */
  public record Change(What what, String kind, String namespace, String name, Long generation) {
    /** Checks the fields a line needs. */
    public Change {
      Objects.requireNonNull(what, "what");
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(name, "name");
    }

    /** The change as one line: {@code added AIRoute team-a/chat generation 3}. */
    public String line() {
      return what.name().toLowerCase(java.util.Locale.ROOT)
          + " "
          + kind
          + " "
          + (namespace == null ? "" : namespace + "/")
          + name
          + (generation == null ? "" : " generation " + generation);
    }

    /** The change of a line written by {@link #line()}. */
    static Change parse(String line) {
      String[] parts = line.split(" ");
      String ref = parts[2];
      int slash = ref.indexOf('/');
      return new Change(
          What.valueOf(parts[0].toUpperCase(java.util.Locale.ROOT)),
          parts[1],
          slash < 0 ? null : ref.substring(0, slash),
          slash < 0 ? ref : ref.substring(slash + 1),
          parts.length >= 5 ? Long.valueOf(parts[4]) : null);
    }
  }

  /** Copies the changes and answers. */
  public AuditRecord {
    Objects.requireNonNull(time, "time");
    Objects.requireNonNull(nodeGroup, "nodeGroup");
    Objects.requireNonNull(version, "version");
    changes = List.copyOf(changes);
    answers = List.copyOf(answers);
  }

  /** A record as published, before any Envoy answered. */
  public AuditRecord(
      Instant time,
      String nodeGroup,
      String version,
      String previousVersion,
      List<Change> changes,
      String problem) {
    this(time, nodeGroup, version, previousVersion, changes, problem, List.of());
  }

  /** This record with Envoy's answers. */
  public AuditRecord withAnswers(List<EnvoyAnswer> answers) {
    return new AuditRecord(time, nodeGroup, version, previousVersion, changes, problem, answers);
  }

  /** How many nodes acknowledged ({@code true}) or rejected ({@code false}) this version. */
  public long answered(boolean accepted) {
    return answers.stream().filter(a -> a.accepted() == accepted).count();
  }

  /** How many changes are of one kind. */
  public long count(What what) {
    return changes.stream().filter(c -> c.what() == what).count();
  }
}
