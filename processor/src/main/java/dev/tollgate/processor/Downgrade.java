package dev.tollgate.processor;

/**
 * A request that fell from its requested model to the rule's cheaper tier.
 *
 * @param from the model the client asked for
 * @param to the tier's model, which served it
 * @param fall why: the reason and the budget
 */
record Downgrade(String from, String to, TierProbe.Fall fall) {

  /** Response header that tells the client its request was served by a cheaper tier. */
  static final String HEADER = "x-tollgate-downgraded";

  /** The header's value, e.g. {@code fast; from=smart; reason=warn; quota=team-a/budgets; ...}. */
  String headerValue() {
    return to
        + "; from="
        + from
        + "; reason="
        + fall.reason()
        + "; quota="
        + fall.quota()
        + "; limit="
        + fall.limit();
  }
}
