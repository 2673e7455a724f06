package dev.tollgate.processor;

/**
 * How the output reserve of a request without an output cap is sized from its model's recent
 * completions (docs/governance.md, "Output reserves"): a processor setting, not a TokenQuota field,
 * because one request has one reserve however many quotas charge it, and the history is the
 * processor's own.
 *
 * @param percentile the percentile of recent completions (output tokens per choice) that is
 *     reserved, above 0 and at most 1; default 0.99
 * @param minCompletions completions a model must have before its history sizes reserves; until then
 *     the cap written upstream is reserved; default 20
 * @param window completions the history holds before every counter is halved, so it follows about
 *     the last one to two windows; at least {@code minCompletions}; default 2,000
 */
public record ReserveSizing(double percentile, int minCompletions, int window) {
  /** The defaults: the 99th percentile, after 20 completions, over a 2,000-completion window. */
  public static final ReserveSizing DEFAULTS = new ReserveSizing(0.99, 20, 2_000);

  /** Checks the values. */
  public ReserveSizing {
    if (!(percentile > 0 && percentile <= 1)) {
      throw new IllegalArgumentException(
          "the reserve percentile must be above 0 and at most 1, e.g. 0.99; got " + percentile);
    }
    if (minCompletions < 1 || window < minCompletions) {
      throw new IllegalArgumentException(
          "the reserve needs at least 1 completion and a window of at least that many; got "
              + minCompletions
              + " and "
              + window);
    }
  }
}
