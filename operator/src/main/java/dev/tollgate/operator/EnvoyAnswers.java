package dev.tollgate.operator;

import dev.tollgate.ledger.ConfigAudit;
import dev.tollgate.ledger.EnvoyAnswer;
import dev.tollgate.xds.AdsServer;
import dev.tollgate.xds.NodeStatusTracker;
import dev.tollgate.xds.NodeStatusTracker.Nack;
import dev.tollgate.xds.NodeStatusTracker.NodeStatus;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * Turns what the ADS tracker learns about each Envoy node into the audit trail's answers: an ACK of
 * a version once the node acknowledged every resource type at it, a NACK (with Envoy's reason, made
 * readable by {@link EnvoyRejection}) when it rejects one. Each answer is handed over once per node
 * and version, as it arrives.
 *
 * <p>Thread-safe: the tracker calls it from the ADS server's gRPC threads.
 */
public final class EnvoyAnswers {
  private final String nodeGroup;
  private final ConfigAudit audit;
  private final Clock clock;
  private final Map<String, String> ackedByNode = new HashMap<>();
  private final Map<String, Instant> nackSeenByNode = new HashMap<>();

  EnvoyAnswers(String nodeGroup, ConfigAudit audit, Clock clock) {
    this.nodeGroup = nodeGroup;
    this.audit = audit;
    this.clock = clock;
  }

  /**
   * Hands every answer {@code tracker} sees from now on to {@code audit}.
   *
   * @param tracker the ADS server's tracker
   * @param nodeGroup the node group its nodes' configuration was published to
   * @param audit where the answers go
   * @param clock the time of an ACK (a NACK carries its own)
   */
  public static void follow(
      NodeStatusTracker tracker, String nodeGroup, ConfigAudit audit, Clock clock) {
    EnvoyAnswers answers = new EnvoyAnswers(nodeGroup, audit, clock);
    tracker.addListener(answers::changed);
  }

  synchronized void changed(NodeStatus status) {
    String node = status.nodeId();
    Nack nack = status.lastNack().orElse(null);
    if (nack != null && !nack.at().equals(nackSeenByNode.get(node))) {
      nackSeenByNode.put(node, nack.at());
      audit.answered(
          new EnvoyAnswer(
              nodeGroup,
              AdsServer.modelVersion(nack.version()),
              node,
              false,
              nack.at(),
              EnvoyRejection.describe(nack.typeUrl(), nack.message())));
      return;
    }
    String acked = everyTypeAt(status.ackedVersions());
    if (acked != null && !acked.equals(ackedByNode.get(node))) {
      ackedByNode.put(node, acked);
      audit.answered(new EnvoyAnswer(nodeGroup, acked, node, true, clock.instant(), null));
    }
  }

  /** The one model version every resource type was acknowledged at, or null. */
  private static String everyTypeAt(Map<String, String> ackedVersions) {
    String version = null;
    for (String acked : ackedVersions.values()) {
      String v = AdsServer.modelVersion(acked);
      if (version != null && !version.equals(v)) {
        return null;
      }
      version = v;
    }
    return version;
  }
}
