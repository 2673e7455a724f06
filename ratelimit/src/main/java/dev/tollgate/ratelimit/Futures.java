package dev.tollgate.ratelimit;

import java.util.concurrent.CompletionException;

/** What the rate-limit service needs to read failed futures. */
final class Futures {
  private Futures() {}

  /** The cause of a failure, without the wrapping of the future it came through. */
  static Throwable unwrap(Throwable error) {
    Throwable t = error;
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
