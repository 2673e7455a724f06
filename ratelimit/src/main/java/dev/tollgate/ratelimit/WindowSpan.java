package dev.tollgate.ratelimit;

import java.time.Duration;
import java.time.Instant;

/**
 * One window of a budget: the half-open interval {@code [start, end)}.
 *
 * @param start first instant of the window
 * @param end first instant after the window, when the budget resets
 */
public record WindowSpan(Instant start, Instant end) {

  /** Returns the time left until the window ends, never negative. */
  public Duration remaining(Instant now) {
    return now.isBefore(end) ? Duration.between(now, end) : Duration.ZERO;
  }
}
