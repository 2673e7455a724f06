package dev.tollgate.ratelimit.store;

import java.util.List;

/**
 * The outcome of a commit.
 *
 * @param status what happened
 * @param states counters of each charged bucket after the operation, in charge order (empty unless
 *     committed)
 * @param crossings thresholds crossed for the first time in their window by this commit
 * @param settlement the settlement of the commit that counted the request: this one's when it
 *     counted or counted nothing, the first one's for a duplicate (empty when that one gave none)
 */
public record CommitResult(
    Status status, List<BucketState> states, List<Crossing> crossings, String settlement) {

  /** Copies the lists. */
  public CommitResult {
    states = List.copyOf(states);
    crossings = List.copyOf(crossings);
    settlement = settlement == null ? "" : settlement;
  }

  /** A result without a settlement. */
  public CommitResult(Status status, List<BucketState> states, List<Crossing> crossings) {
    this(status, states, crossings, "");
  }

  /** What a commit did. */
  public enum Status {
    /** The usage was counted and the reservation, if any, released. */
    COMMITTED,
    /** The request was committed before; nothing changed. */
    DUPLICATE,
    /** No reservation was held and the usage was zero: a request rejected at the start. */
    NOTHING_COUNTED
  }
}
