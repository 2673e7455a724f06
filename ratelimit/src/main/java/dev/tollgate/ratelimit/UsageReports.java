package dev.tollgate.ratelimit;

import dev.tollgate.ratelimit.store.BucketReading;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/** Turns the store's bucket readings into the usage a TokenQuota's status shows. Pure. */
final class UsageReports {
  private UsageReports() {}

  /**
   * The usage of every live bucket of one quota in its current window, busiest first.
   *
   * @param budgets the quota's budgets
   * @param readings every bucket the store holds in each namespace the quota covers
   * @param quotaNamespace the quota's namespace
   * @param quota the quota's name
   */
  static List<BucketUsageReport> of(
      List<Budget> budgets,
      Map<String, List<BucketReading>> readings,
      String quotaNamespace,
      String quota,
      Instant now) {
    List<BucketUsageReport> reports = new ArrayList<>();
    for (Map.Entry<String, List<BucketReading>> namespace : readings.entrySet()) {
      for (BucketReading reading : namespace.getValue()) {
        BucketKey.parse(namespace.getKey(), reading.bucketId())
            .filter(k -> k.quota().equals(quota) && k.quotaNamespace().equals(quotaNamespace))
            .ifPresent(k -> add(reports, budgets, reading, k, now));
      }
    }
    reports.sort(
        Comparator.comparingLong(BucketUsageReport::percentUsed)
            .reversed()
            .thenComparing(BucketUsageReport::limit)
            .thenComparing(BucketUsageReport::bucket));
    return reports;
  }

  private static void add(
      List<BucketUsageReport> reports,
      List<Budget> budgets,
      BucketReading reading,
      BucketKey k,
      Instant now) {
    for (Budget quotaBudget : budgets) {
      Budget budget = quotaBudget.forClient(k.client());
      WindowSpan span = budget.span(now);
      if (budget.limit().name().equals(k.limit())
          && budget.limit().type() == k.type()
          && budget.limit().window() == k.window()
          && span.start().getEpochSecond() == k.windowStart()) {
        long total = reading.used() + reading.reserved();
        reports.add(
            new BucketUsageReport(
                budget.limit().name(),
                k.label(),
                budget.unit(),
                budget.amountOf(budget.limitUnits()),
                budget.amountOf(reading.used()),
                budget.amountOf(reading.reserved()),
                budget.amountOf(Math.max(0, budget.limitUnits() - total)),
                ResponseHeaders.percent(total, budget.limitUnits()),
                span.end(),
                reading.falls()));
      }
    }
  }
}
