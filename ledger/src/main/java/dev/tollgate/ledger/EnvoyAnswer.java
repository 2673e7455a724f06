package dev.tollgate.ledger;

import java.time.Instant;
import java.util.Objects;

/**
 * One Envoy node's answer to a published configuration version: an ACK (every resource type
 * acknowledged at that version) or a NACK (a resource type rejected, with Envoy's reason).
 *
 * @param nodeGroup the node group the version was published to
 * @param version the configuration version answered
 * @param nodeId the Envoy node id
 * @param accepted true for an ACK, false for a NACK
 * @param time when the answer arrived
 * @param detail Envoy's reason for a NACK, on one line; null for an ACK
 */
public record EnvoyAnswer(
    String nodeGroup,
    String version,
    String nodeId,
    boolean accepted,
    Instant time,
    String detail) {

  /** Checks the fields a row needs. */
  public EnvoyAnswer {
    Objects.requireNonNull(nodeGroup, "nodeGroup");
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(nodeId, "nodeId");
    Objects.requireNonNull(time, "time");
  }

  /** {@code ack} or {@code nack}, as stored and shown. */
  public String word() {
    return accepted ? "ack" : "nack";
  }
}
