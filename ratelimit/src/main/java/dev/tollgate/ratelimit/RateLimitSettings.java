package dev.tollgate.ratelimit;

import java.time.Duration;

/**
 * How the rate-limit service behaves beyond what the resources say.
 *
 * @param reservationTtl how long a reservation holds budget when no commit comes (Envoy crashed, or
 *     the stream outlived it); longer than the longest request
 * @param failureMode what a reservation gets when the store cannot answer
 * @param maxTokensPerRequest largest estimate or token count one request may report; larger ones
 *     are rejected as invalid input
 * @param logInterval least time between two log lines about the same kind of problem
 * @param maxPendingCommits most commits kept in memory for a retry while the store is away
 */
public record RateLimitSettings(
    Duration reservationTtl,
    FailureMode failureMode,
    long maxTokensPerRequest,
    Duration logInterval,
    int maxPendingCommits) {

  /** What a reservation gets when the store cannot answer. */
  public enum FailureMode {
    /** Allow the request, count it in a metric, log at most once per log interval. */
    OPEN,
    /** Reject the request with 429 and {@code Retry-After: 1}. */
    CLOSED
  }

  /** Returns the defaults: 15 minute reservations, fail-open, 10,000,000 tokens per request. */
  public static RateLimitSettings defaults() {
    return new RateLimitSettings(
        Duration.ofMinutes(15), FailureMode.OPEN, 10_000_000, Duration.ofSeconds(30), 100_000);
  }

  /** Returns a copy with another failure mode. */
  public RateLimitSettings withFailureMode(FailureMode mode) {
    return new RateLimitSettings(
        reservationTtl, mode, maxTokensPerRequest, logInterval, maxPendingCommits);
  }

  /** Returns a copy with another per-request limit; the processor's must be the same. */
  public RateLimitSettings withMaxTokensPerRequest(long tokens) {
    return new RateLimitSettings(
        reservationTtl, failureMode, tokens, logInterval, maxPendingCommits);
  }

  /** Returns a copy with another reservation lifetime. */
  public RateLimitSettings withReservationTtl(Duration ttl) {
    return new RateLimitSettings(
        ttl, failureMode, maxTokensPerRequest, logInterval, maxPendingCommits);
  }
}
