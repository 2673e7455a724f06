package dev.tollgate.operator;

import dev.tollgate.api.v1alpha1.BucketUsage;
import dev.tollgate.api.v1alpha1.LimitState;
import dev.tollgate.api.v1alpha1.QuotaLimit;
import dev.tollgate.api.v1alpha1.TokenQuotaStatus;
import dev.tollgate.ratelimit.BucketUsageReport;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Writes a quota's usage into its status: the busiest buckets, at most {@link #MAX_BUCKETS}, and a
 * one-line summary of the busiest for {@code kubectl get tq}.
 *
 * <p>Pure functions; thread-safe.
 */
final class QuotaUsageStatus {
  /** Most buckets shown in status, so that a quota per client does not grow without bound. */
  static final int MAX_BUCKETS = 10;

  /** Buckets named in {@code status.busiestBuckets}, the column of {@code kubectl get tq}. */
  static final int COLUMN_BUCKETS = 3;

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
                  u.percentUsed = b.percentUsed();
                  u.downgraded = b.downgraded() > 0 ? b.downgraded() : null;
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

  /**
   * Sets what {@code kubectl get tq} and {@code kubectl describe tq} show beyond the usage: how
   * many namespaces the quota covers, its busiest buckets in one line, the requests that fell to a
   * tier, and each limit's state.
   *
   * @param limits the quota's limits, in spec order
   * @param warnAtPercent the quota's warn threshold
   * @param namespaces how many namespaces the quota covers
   */
  static void summarize(
      TokenQuotaStatus status,
      List<QuotaLimit> limits,
      int warnAtPercent,
      int namespaces,
      List<BucketUsageReport> reading) {
    status.namespaces = namespaces;
    List<BucketUsageReport> busiest = reading.stream().sorted(BUSIEST).toList();
    status.busiestBuckets =
        busiest.isEmpty()
            ? null
            : busiest.stream()
                .limit(COLUMN_BUCKETS)
                .map(b -> b.bucket() + " " + b.percentUsed() + "%")
                .collect(Collectors.joining(", "));
    long downgraded = reading.stream().mapToLong(BucketUsageReport::downgraded).sum();
    status.downgraded = downgraded > 0 ? downgraded : null;
    List<LimitState> states = new ArrayList<>();
    for (QuotaLimit limit : limits == null ? List.<QuotaLimit>of() : limits) {
      LimitState state = new LimitState();
      state.name = limit.name;
      List<BucketUsageReport> own =
          busiest.stream().filter(b -> b.limit().equals(limit.name)).toList();
      state.bucketsPastWarn =
          (int) own.stream().filter(b -> b.percentUsed() >= warnAtPercent).count();
      state.bucketsExhausted = (int) own.stream().filter(b -> b.percentUsed() >= 100).count();
      state.state =
          state.bucketsExhausted > 0 ? "Exhausted" : state.bucketsPastWarn > 0 ? "Warning" : "Ok";
      if (!own.isEmpty()) {
        state.busiestBucket = own.get(0).bucket();
        state.percentUsed = own.get(0).percentUsed();
      }
      states.add(state);
    }
    status.limits = states;
  }

  private static final Comparator<BucketUsageReport> BUSIEST =
      Comparator.comparingLong(BucketUsageReport::percentUsed)
          .reversed()
          .thenComparing(BucketUsageReport::limit)
          .thenComparing(BucketUsageReport::bucket);

  /** Returns whether two statuses show the same usage. */
  static boolean sameUsage(TokenQuotaStatus a, TokenQuotaStatus b) {
    if (a == null || b == null) {
      return a == b || (a == null ? empty(b) : empty(a));
    }
    if (!Objects.equals(a.busiest, b.busiest)
        || !Objects.equals(a.namespaces, b.namespaces)
        || !Objects.equals(a.busiestBuckets, b.busiestBuckets)
        || !Objects.equals(a.downgraded, b.downgraded)
        || !sameLimits(a.limits, b.limits)) {
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
          || !Objects.equals(p.resetsAt, q.resetsAt)
          || !Objects.equals(p.percentUsed, q.percentUsed)
          || !Objects.equals(p.downgraded, q.downgraded)) {
        return false;
      }
    }
    return true;
  }

  private static boolean sameLimits(List<LimitState> a, List<LimitState> b) {
    List<LimitState> x = a == null ? List.of() : a;
    List<LimitState> y = b == null ? List.of() : b;
    if (x.size() != y.size()) {
      return false;
    }
    for (int i = 0; i < x.size(); i++) {
      LimitState p = x.get(i);
      LimitState q = y.get(i);
      if (!Objects.equals(p.name, q.name)
          || !Objects.equals(p.state, q.state)
          || !Objects.equals(p.busiestBucket, q.busiestBucket)
          || !Objects.equals(p.percentUsed, q.percentUsed)
          || !Objects.equals(p.bucketsPastWarn, q.bucketsPastWarn)
          || !Objects.equals(p.bucketsExhausted, q.bucketsExhausted)) {
        return false;
      }
    }
    return true;
  }

  private static boolean empty(TokenQuotaStatus status) {
    return status.busiest == null
        && (status.usage == null || status.usage.isEmpty())
        && status.namespaces == null
        && (status.limits == null || status.limits.isEmpty());
  }
}
