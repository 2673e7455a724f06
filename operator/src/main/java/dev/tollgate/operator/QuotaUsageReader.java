package dev.tollgate.operator;

import dev.tollgate.ratelimit.BucketUsageReport;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Where the operator reads a TokenQuota's current usage for its status: the rate-limit service that
 * counts the budgets. In one JVM this is {@code RateLimitService::usage}; across processes, a
 * client of the rate-limit deployment's usage endpoint ({@link HttpQuotaUsageReader}).
 *
 * <p>Implementations must be thread-safe and should answer within a second or two: the operator
 * waits at most {@link #TIMEOUT_MILLIS} and keeps the previous reading when an answer is late or
 * fails.
 */
@FunctionalInterface
public interface QuotaUsageReader {
  /** How long the operator waits for one answer. */
  long TIMEOUT_MILLIS = 2_000;

  /**
   * Returns the live buckets of one quota, in any order.
   *
   * @param namespace the quota's namespace
   * @param quota the quota's name
   */
  CompletableFuture<List<BucketUsageReport>> usage(String namespace, String quota);
}
