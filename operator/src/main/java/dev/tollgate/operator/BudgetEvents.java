package dev.tollgate.operator;

import dev.tollgate.api.v1alpha1.TokenQuota;
import dev.tollgate.model.Defaults;
import dev.tollgate.ratelimit.BucketUsageReport;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Kubernetes Events on a TokenQuota when one of its buckets crosses its warn threshold ({@code
 * BudgetWarning}) and when it is exhausted ({@code BudgetExhausted}): once per bucket, threshold
 * and window, from the usage the operator reads for {@code status.usage}. Crossings are seen at the
 * reading interval, so a bucket that fills and resets between two readings raises none. Only the
 * leader writes Events ({@link EventRecorder}). Thread-safe.
 */
final class BudgetEvents {
  /** Event reason: a bucket reached its quota's {@code warnAtPercent}. */
  static final String WARNING = "BudgetWarning";

  /** Event reason: a bucket's budget is used up for its window. */
  static final String EXHAUSTED = "BudgetExhausted";

  /** Most (bucket, threshold, window) entries remembered; the oldest windows go first. */
  private static final int MAX_REMEMBERED = 10_000;

  private record Seen(
      String quota, String limit, String bucket, Instant windowEnd, String reason) {}

  private final EventRecorder events;
  private final Map<Seen, Boolean> seen = new ConcurrentHashMap<>();

  BudgetEvents(EventRecorder events) {
    this.events = events;
  }

  /** Records the crossings a reading of a quota's buckets shows that were not recorded yet. */
  void observe(TokenQuota quota, List<BucketUsageReport> reading, Instant now) {
    seen.keySet().removeIf(s -> !s.windowEnd().isAfter(now));
    int warnAt = Defaults.warnAtPercent(quota.getSpec());
    String name = quota.getMetadata().getNamespace() + "/" + quota.getMetadata().getName();
    for (BucketUsageReport bucket : reading) {
      String reason =
          bucket.percentUsed() >= 100 ? EXHAUSTED : bucket.percentUsed() >= warnAt ? WARNING : null;
      if (reason == null || seen.size() >= MAX_REMEMBERED) {
        continue;
      }
      if (reason.equals(EXHAUSTED)) {
        // An exhausted bucket has crossed the warn threshold too: say so once, not afterwards.
        seen.putIfAbsent(key(name, bucket, WARNING), true);
      }
      if (seen.putIfAbsent(key(name, bucket, reason), true) == null) {
        events.record(quota, EventRecorder.WARNING, reason, message(bucket, reason, warnAt));
      }
    }
  }

  private static Seen key(String quota, BucketUsageReport bucket, String reason) {
    return new Seen(quota, bucket.limit(), bucket.bucket(), bucket.resetsAt(), reason);
  }

  static String message(BucketUsageReport b, String reason, int warnAt) {
    String used = b.used().add(b.reserved()).stripTrailingZeros().toPlainString();
    String amount = b.amount().stripTrailingZeros().toPlainString();
    return "limit "
        + b.limit()
        + " for "
        + b.bucket()
        + (reason.equals(EXHAUSTED)
            ? " is exhausted"
            : " is past its warn threshold of " + warnAt + "%")
        + ": "
        + used
        + " of "
        + amount
        + " "
        + b.unit()
        + " ("
        + b.percentUsed()
        + "%) in the window ending "
        + StatusConditions.timestamp(b.resetsAt())
        + (b.downgraded() > 0 ? "; " + b.downgraded() + " requests fell to a cheaper tier" : "");
  }
}
