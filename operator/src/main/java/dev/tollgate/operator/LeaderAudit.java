package dev.tollgate.operator;

import dev.tollgate.ledger.AuditLog;
import dev.tollgate.ledger.AuditRecord;
import dev.tollgate.ledger.ConfigAudit;
import dev.tollgate.ledger.EnvoyAnswer;
import java.util.function.BooleanSupplier;

/**
 * The operator's audit trail: every replica builds and publishes each version, but only the leader
 * records it, so a version is one record whatever the replica count. A replica that is not the
 * leader keeps the last version it published and records it when it takes the Lease, unless the
 * previous leader already recorded it as its newest.
 *
 * <p>Envoy's answers are written by every replica, each for the Envoy nodes connected to it (an
 * Envoy holds one ADS stream, to whichever replica the Service picked): an answer is one row per
 * node and version, so no replica can count one twice, and without them the nodes connected to
 * followers would have no answer in the trail.
 *
 * <p>Thread-safe.
 */
final class LeaderAudit implements ConfigAudit {
  private final AuditLog log;
  private final BooleanSupplier leader;
  private AuditRecord heldBack;

  LeaderAudit(AuditLog log, BooleanSupplier leader) {
    this.log = log;
    this.leader = leader;
  }

  @Override
  public synchronized void published(AuditRecord record) {
    if (leader.getAsBoolean()) {
      heldBack = null;
      log.published(record);
    } else {
      heldBack = record;
    }
  }

  @Override
  public void answered(EnvoyAnswer answer) {
    log.answered(answer);
  }

  /** Called when this replica takes the Lease: records the version it holds. */
  synchronized void leading() {
    if (heldBack != null) {
      log.publishedUnlessNewest(heldBack);
      heldBack = null;
    }
  }
}
