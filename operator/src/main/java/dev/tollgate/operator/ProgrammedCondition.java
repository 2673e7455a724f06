package dev.tollgate.operator;

import dev.tollgate.model.Condition;
import dev.tollgate.xds.AdsServer;
import dev.tollgate.xds.NodeStatusTracker.NodeStatus;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Computes a resource's {@code Programmed} condition: True once every connected Envoy node has
 * acknowledged a configuration version that contains the resource's present form, False with
 * Envoy's message when a node rejected it, False while nodes have yet to acknowledge it.
 *
 * <p>Pure functions; thread-safe.
 */
final class ProgrammedCondition {
  /** The condition type. */
  public static final String TYPE = "Programmed";

  /** Programmed=True. */
  public static final String PROGRAMMED = "Programmed";

  /** Programmed=False: not yet acknowledged by every connected Envoy, or no Envoy connected. */
  public static final String PENDING = "Pending";

  /** Programmed=False: an Envoy rejected the configuration version that contains it. */
  public static final String REJECTED = "Rejected";

  /** Programmed=False: the resource is not accepted, so it is not part of the configuration. */
  public static final String NOT_ACCEPTED = "NotAccepted";

  private ProgrammedCondition() {}

  /**
   * Computes the condition.
   *
   * @param accepted whether the resource is accepted
   * @param since the first published version with the resource's present form, or null when it was
   *     not published
   * @param latestVersion the version published last
   * @param sequenceByVersion numbers of the published versions remembered
   * @param nodes every Envoy node the ADS server knows, connected or not
   * @param publishProblem why the latest version could not be published, or null
   */
  static Condition of(
      boolean accepted,
      PublishedVersions.Since since,
      String latestVersion,
      Map<String, Long> sequenceByVersion,
      Collection<NodeStatus> nodes,
      String publishProblem) {
    if (!accepted) {
      return Condition.isFalse(
          TYPE, NOT_ACCEPTED, "not part of the Envoy configuration: see the Accepted condition");
    }
    if (since == null) {
      return Condition.isFalse(TYPE, PENDING, "not yet published to Envoy");
    }
    if (publishProblem != null && since.version().equals(latestVersion)) {
      return Condition.isFalse(
          TYPE,
          PENDING,
          "configuration version " + latestVersion + " could not be published: " + publishProblem);
    }
    List<NodeStatus> connected =
        nodes.stream()
            .filter(NodeStatus::connected)
            .sorted(Comparator.comparing(NodeStatus::nodeId))
            .toList();
    if (connected.isEmpty()) {
      return Condition.isFalse(
          TYPE,
          PENDING,
          "published in configuration version "
              + since.version()
              + "; no Envoy is connected to the control plane yet");
    }
    List<String> pending = new ArrayList<>();
    for (NodeStatus node : connected) {
      long applied = appliedSequence(node, sequenceByVersion);
      if (applied >= since.sequence()) {
        continue;
      }
      var nack = node.lastNack();
      if (nack.isPresent()
          && sequenceByVersion.getOrDefault(nack.get().version(), -1L) >= since.sequence()) {
        return Condition.isFalse(
            TYPE,
            REJECTED,
            "Envoy node "
                + node.nodeId()
                + " rejected configuration version "
                + nack.get().version()
                + " and keeps running its previous configuration: "
                + EnvoyRejection.describe(nack.get().typeUrl(), nack.get().message()));
      }
      pending.add(node.nodeId());
    }
    if (!pending.isEmpty()) {
      return Condition.isFalse(
          TYPE,
          PENDING,
          "configuration version "
              + since.version()
              + " is not yet acknowledged by Envoy node"
              + (pending.size() == 1 ? " " : "s ")
              + String.join(", ", pending.subList(0, Math.min(5, pending.size())))
              + (pending.size() > 5 ? " and " + (pending.size() - 5) + " more" : ""));
    }
    return Condition.isTrue(
        TYPE,
        PROGRAMMED,
        "acknowledged by "
            + connected.size()
            + " Envoy node"
            + (connected.size() == 1 ? "" : "s")
            + " (configuration version "
            + since.version()
            + " or later)");
  }

  /**
   * The number of the oldest version the node runs across resource types; -1 when it has
   * acknowledged nothing, a version this operator did not publish, or when its last answer for a
   * type was a rejection and it never acknowledged that type.
   */
  static long appliedSequence(NodeStatus node, Map<String, Long> sequenceByVersion) {
    if (node.ackedVersions().isEmpty()) {
      return -1;
    }
    // The tracker forgets a rejection once the type is acknowledged again, so a rejection still
    // present is the type's latest answer: the type runs what it acknowledged before, if anything.
    if (node.lastNack().isPresent()
        && !node.ackedVersions().containsKey(node.lastNack().get().typeUrl())) {
      return -1;
    }
    long oldest = Long.MAX_VALUE;
    for (String version : node.ackedVersions().values()) {
      oldest =
          Math.min(oldest, sequenceByVersion.getOrDefault(AdsServer.modelVersion(version), -1L));
    }
    return oldest;
  }
}
