package dev.tollgate.ledger;

/**
 * Where the configuration publishers (tollgate run's gate, the operator's state) hand each
 * published version, and where Envoy's answers to it go. Implementations must return at once: the
 * callers are the publisher's thread and the ADS server's gRPC threads.
 */
@FunctionalInterface
public interface ConfigAudit {
  /** Keeps no audit trail. */
  ConfigAudit NONE = record -> {};

  /** Takes one published version; never blocks, never throws. */
  void published(AuditRecord record);

  /** Takes one Envoy node's ACK or NACK of a version; never blocks, never throws. */
  default void answered(EnvoyAnswer answer) {}
}
