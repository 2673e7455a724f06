package dev.tollgate.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import dev.tollgate.api.v1alpha1.BucketUsage;
import dev.tollgate.api.v1alpha1.TokenQuotaStatus;
import dev.tollgate.ratelimit.BucketUsageReport;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class QuotaUsageStatusTest {
  static BucketUsageReport bucket(String limit, String bucket, long percent, String used) {
    return new BucketUsageReport(
        limit,
        bucket,
        "tokens",
        new BigDecimal("1000"),
        new BigDecimal(used),
        new BigDecimal("10"),
        new BigDecimal("1000").subtract(new BigDecimal(used)),
        percent,
        Instant.parse("2026-03-01T11:00:00.500Z"));
  }

  @Test
  void showsTheBusiestBucketsFirstAndSummarisesTheBusiest() {
    TokenQuotaStatus status = new TokenQuotaStatus();

    QuotaUsageStatus.apply(
        status,
        List.of(
            bucket("tokens-per-minute", "client=bob", 12, "110"),
            bucket("tokens-per-minute", "client=alice", 72, "710"),
            bucket("requests-per-day", "client=alice", 72, "700")));

    assertThat(status.busiest).isEqualTo("72% of requests-per-day (client=alice)");
    assertThat(status.usage)
        .extracting(u -> u.limit, u -> u.bucket, u -> u.used, u -> u.remaining, u -> u.resetsAt)
        .containsExactly(
            tuple("requests-per-day", "client=alice", "710", "300", "2026-03-01T11:00:00Z"),
            tuple("tokens-per-minute", "client=alice", "720", "290", "2026-03-01T11:00:00Z"),
            tuple("tokens-per-minute", "client=bob", "120", "890", "2026-03-01T11:00:00Z"));
  }

  @Test
  void showsAtMostTenBuckets() {
    List<BucketUsageReport> many = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      many.add(bucket("tokens-per-minute", "client=c" + (100 + i), i, "1"));
    }
    TokenQuotaStatus status = new TokenQuotaStatus();

    QuotaUsageStatus.apply(status, many);

    assertThat(status.usage).hasSize(10);
    assertThat(status.usage.get(0).bucket).isEqualTo("client=c124");
  }

  @Test
  void noReadingMeansNoUsageAndTheSameStatus() {
    TokenQuotaStatus status = new TokenQuotaStatus();
    QuotaUsageStatus.apply(status, List.of());

    assertThat(status.busiest).isNull();
    assertThat(status.usage).isEmpty();
    assertThat(QuotaUsageStatus.sameUsage(null, status)).isTrue();
  }

  @Test
  void usageThatMovedIsADifference() {
    TokenQuotaStatus a = new TokenQuotaStatus();
    TokenQuotaStatus b = new TokenQuotaStatus();
    QuotaUsageStatus.apply(a, List.of(bucket("t", "client=a", 10, "100")));
    QuotaUsageStatus.apply(b, List.of(bucket("t", "client=a", 10, "100")));
    assertThat(QuotaUsageStatus.sameUsage(a, b)).isTrue();

    BucketUsage moved = b.usage.get(0);
    moved.used = "101";
    assertThat(QuotaUsageStatus.sameUsage(a, b)).isFalse();
  }
}
