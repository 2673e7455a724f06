package dev.tollgate.ledger;

/**
 * The ledger's database could not be reached or refused a write; the records are kept for later.
 */
public final class LedgerUnavailableException extends RuntimeException {
  /** Wraps the cause of the failure. */
  public LedgerUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
