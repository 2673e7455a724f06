package dev.tollgate.ratelimit;

/**
 * The answer to a tiered rule's question before it routes: whether its request falls to the cheaper
 * tier, and which budget made it fall.
 *
 * @param fall whether the request falls to the tier
 * @param reason {@code warn} (a budget is past its warn threshold) or {@code exhausted} (an
 *     enforced budget cannot hold the request); null when it does not fall
 * @param quota the quota of that budget, as namespace/name; null when it does not fall
 * @param limit the limit of that budget; null when it does not fall
 * @param bucket the bucket, e.g. {@code model=smart}; null when it does not fall
 */
public record TierDecision(boolean fall, String reason, String quota, String limit, String bucket) {

  /** Stay on the requested model. */
  public static final TierDecision STAY = new TierDecision(false, null, null, null, null);

  /** The reason of a budget past its warn threshold. */
  public static final String WARN = "warn";

  /** The reason of an enforced budget that cannot hold the request. */
  public static final String EXHAUSTED = "exhausted";
}
