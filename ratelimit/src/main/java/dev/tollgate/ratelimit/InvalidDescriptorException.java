package dev.tollgate.ratelimit;

/** A rate-limit request that Tollgate's descriptors never produce; the message says what is off. */
public final class InvalidDescriptorException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception. */
  public InvalidDescriptorException(String message) {
    super(message);
  }
}
