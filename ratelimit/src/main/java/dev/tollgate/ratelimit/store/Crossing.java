package dev.tollgate.ratelimit.store;

/**
 * A bucket crossed a threshold for the first time in its window.
 *
 * @param index position of the bucket in the operation's charges
 * @param threshold which threshold
 */
public record Crossing(int index, Threshold threshold) {

  /** The thresholds of a budget. */
  public enum Threshold {
    /** Used plus reserved reached the soft threshold (warnAtPercent). */
    WARN,
    /** Used plus reserved went over the budget. */
    LIMIT
  }
}
