package dev.tollgate.operator;

import dev.tollgate.api.v1alpha1.BucketUsage;
import dev.tollgate.api.v1alpha1.TokenQuotaStatus;
import dev.tollgate.ratelimit.BucketUsageReport;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Writes a quota's usage into its status: the busiest buckets, at most {@link #MAX_BUCKETS}, and a
 * one-line summary of the busiest for {@code kubectl get tq}.
 *
 * <p>Pure functions; thread-safe.
 */
final class QuotaUsageStatus {
  /** Most buckets shown in status, so that a quota per client does not grow without bound. */
  static final int MAX_BUCKETS = 10;

  private QuotaUsageStatus() {}

  /** Sets {@code usage} and {@code busiest} of a status from a reading. */
  static void apply(TokenQuotaStatus status, List<BucketUsageReport> reading) {
    List<BucketUsageReport> busiest =
        reading.stream()
            .sorted(
                Comparator.comparingLong(BucketUsageReport::percentUsed)
                    .reversed()
                    .thenComparing(BucketUsageReport::limit)
                    .thenComparing(BucketUsageReport::bucket))
            .limit(MAX_BUCKETS)
            .toList();
    status.usage =
        busiest.stream()
            .map(
                b -> {
                  BucketUsage u = new BucketUsage();
                  u.limit = b.limit();
                  u.bucket = b.bucket();
                  u.used = b.used().add(b.reserved()).stripTrailingZeros().toPlainString();
                  u.remaining = b.remaining().stripTrailingZeros().toPlainString();
                  u.resetsAt = StatusConditions.timestamp(b.resetsAt());
                  return u;
                })
            .toList();
    status.busiest =
        busiest.isEmpty()
            ? null
            : busiest.get(0).percentUsed()
                + "% of "
                + busiest.get(0).limit()
                + " ("
                + busiest.get(0).bucket()
                + ")";
  }

  /** Returns whether two statuses show the same usage. */
  static boolean sameUsage(TokenQuotaStatus a, TokenQuotaStatus b) {
    if (a == null || b == null) {
      return a == b || (a == null ? empty(b) : empty(a));
    }
    if (!Objects.equals(a.busiest, b.busiest)) {
      return false;
    }
    List<BucketUsage> x = a.usage == null ? List.of() : a.usage;
    List<BucketUsage> y = b.usage == null ? List.of() : b.usage;
    if (x.size() != y.size()) {
      return false;
    }
    for (int i = 0; i < x.size(); i++) {
      BucketUsage p = x.get(i);
      BucketUsage q = y.get(i);
      if (!Objects.equals(p.limit, q.limit)
          || !Objects.equals(p.bucket, q.bucket)
          || !Objects.equals(p.used, q.used)
          || !Objects.equals(p.remaining, q.remaining)
          || !Objects.equals(p.resetsAt, q.resetsAt)) {
        return false;
      }
    }
    return true;
  }

  private static boolean empty(TokenQuotaStatus status) {
    return status.busiest == null && (status.usage == null || status.usage.isEmpty());
  }
}
