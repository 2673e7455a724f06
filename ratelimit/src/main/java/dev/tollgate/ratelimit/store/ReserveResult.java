package dev.tollgate.ratelimit.store;

import java.util.List;

/**
 * The outcome of a reservation.
 *
 * @param status what happened
 * @param blockedIndex position of the first enforced bucket that did not fit, or -1
 * @param states counters of each charged bucket after the operation, in charge order (empty when
 *     the request was already committed)
 * @param crossings thresholds crossed for the first time in their window by this reservation
 */
public record ReserveResult(
    Status status, int blockedIndex, List<BucketState> states, List<Crossing> crossings) {

  /** Copies the lists. */
  public ReserveResult {
    states = List.copyOf(states);
    crossings = List.copyOf(crossings);
  }

  /** What a reservation did. */
  public enum Status {
    /** The estimate is now held against every bucket. */
    RESERVED,
    /** An enforced bucket had no room; nothing changed. */
    REJECTED,
    /** The request already holds a reservation; nothing changed. */
    ALREADY_RESERVED,
    /** The request was already committed; nothing changed. */
    ALREADY_COMMITTED
  }
}
