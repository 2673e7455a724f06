package dev.tollgate.ledger;

/** Takes finished requests' records; {@link #offer} never blocks and never throws. */
@FunctionalInterface
public interface LedgerSink {
  /** A sink that keeps nothing: the ledger is off. */
  LedgerSink NONE = record -> {};

  /** Hands one record over without waiting; called on the request path. */
  void offer(LedgerRecord record);
}
