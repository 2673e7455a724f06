package dev.tollgate.ratelimit.store;

/** The store cannot answer now (Redis unreachable, timed out, or memory full); retry later. */
public class StoreUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception with a message a person can act on. */
  public StoreUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
