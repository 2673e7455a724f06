package dev.tollgate.operator;

import dev.tollgate.ratelimit.BucketUsageReport;
import dev.tollgate.ratelimit.RateLimitService;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Reads TokenQuota usage from a rate-limit service in the same JVM, e.g. when the operator and the
 * rate-limit service run in one process. Thread-safe, as the service is.
 */
public final class RateLimitUsageReader implements QuotaUsageReader {
  private final RateLimitService service;

  /** Reads from the given service. */
  public RateLimitUsageReader(RateLimitService service) {
    this.service = service;
  }

  @Override
  public CompletableFuture<List<QuotaBucketUsage>> usage(String namespace, String quota) {
    return service
        .usage(namespace, quota)
        .thenApply(reports -> reports.stream().map(RateLimitUsageReader::toUsage).toList());
  }

  private static QuotaBucketUsage toUsage(BucketUsageReport r) {
    return new QuotaBucketUsage(
        r.limit(),
        r.bucket(),
        r.unit(),
        r.amount(),
        r.used(),
        r.reserved(),
        r.remaining(),
        r.percentUsed(),
        r.resetsAt());
  }
}
