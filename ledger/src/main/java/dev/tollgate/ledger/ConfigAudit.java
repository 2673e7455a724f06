package dev.tollgate.ledger;

/**
 * Where the configuration publishers (tollgate run's gate, the operator's state) hand each
 * published version. Implementations must return at once: the caller is the publisher's thread.
 */
@FunctionalInterface
public interface ConfigAudit {
  /** Keeps no audit trail. */
  ConfigAudit NONE = record -> {};

  /** Takes one published version; never blocks, never throws. */
  void published(AuditRecord record);
}
