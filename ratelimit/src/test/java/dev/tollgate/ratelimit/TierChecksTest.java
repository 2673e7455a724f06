package dev.tollgate.ratelimit;

import static dev.tollgate.ratelimit.Fixtures.limit;
import static dev.tollgate.ratelimit.Fixtures.quota;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.ratelimit.store.BudgetStore;
import dev.tollgate.ratelimit.store.MemoryBudgetStore;
import dev.tollgate.testkit.MutableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TierChecksTest {
  private final MutableClock clock = new MutableClock(Instant.parse("2026-03-10T10:00:10Z"));
  private final BudgetStore store = MemoryBudgetStore.withDefaults();
  private final RateLimitService service =
      new RateLimitService(
          Fixtures.quickstartWith(
              quota(
                  "budgets",
                  "Enforce",
                  "UTC",
                  limit("tokens-per-minute", "Tokens", "1000", "1m", "Model"))),
          store,
          RateLimitSettings.defaults(),
          clock,
          new SimpleMeterRegistry());

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void aRequestStaysUntilItsBucketIsPastWarnThenFallsAndIsCountedInUsage() {
    assertThat(check("demo-chat", 100, true)).isEqualTo(TierDecision.STAY);
    reserve("demo-chat", "r1", 700);
    // 700 + 100 reaches the default warn threshold of 80%.
    TierDecision warned = check("demo-chat", 100, true);
    assertThat(warned)
        .isEqualTo(
            new TierDecision(
                true, "warn", "default/budgets", "tokens-per-minute", "model=demo-chat"));
    // A rule that falls only when exhausted stays.
    assertThat(check("demo-chat", 100, false)).isEqualTo(TierDecision.STAY);
    // The tier's own bucket is another one, untouched.
    assertThat(check("fast", 100, true)).isEqualTo(TierDecision.STAY);
    assertThat(downgradedOf("model=demo-chat")).isEqualTo(1);
  }

  @Test
  void aRequestTheBucketCannotHoldFallsAsExhaustedAndTheCheckReservesNothing() {
    reserve("demo-chat", "r1", 950);
    TierDecision exhausted = check("demo-chat", 100, false);
    assertThat(exhausted.fall()).isTrue();
    assertThat(exhausted.reason()).isEqualTo("exhausted");
    check("demo-chat", 100, false);
    assertThat(usage("model=demo-chat").reserved()).isEqualByComparingTo("950");
    assertThat(downgradedOf("model=demo-chat")).isEqualTo(2);
  }

  @Test
  void countsStartAgainInTheNextWindow() {
    reserve("demo-chat", "r1", 900);
    check("demo-chat", 10, true);
    clock.advance(Duration.ofMinutes(1));
    service.maintain();
    reserve("demo-chat", "r2", 900);
    assertThat(downgradedOf("model=demo-chat")).isZero();
  }

  @Test
  void aRouteWithoutBudgetsNeverFalls() {
    RateLimitService none =
        new RateLimitService(
            Fixtures.quickstartWith(""),
            store,
            RateLimitSettings.defaults(),
            clock,
            new SimpleMeterRegistry());
    assertThat(
            none.tierCheck(new RequestIdentity("default", "chat", "alice", "demo-chat"), 10, true)
                .join())
        .isEqualTo(TierDecision.STAY);
  }

  private TierDecision check(String model, long estimate, boolean atWarn) {
    return service
        .tierCheck(new RequestIdentity("default", "chat", "alice", model), estimate, atWarn)
        .join();
  }

  private void reserve(String model, String requestId, long tokens) {
    service.decide(Requests.reserve("default", "chat", "alice", model, requestId, tokens)).join();
  }

  private BucketUsageReport usage(String bucket) {
    List<BucketUsageReport> usage = service.usage("default", "budgets").join();
    return usage.stream()
        .filter(b -> b.bucket().equals(bucket))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no bucket " + bucket + " in " + usage));
  }

  private long downgradedOf(String bucket) {
    return usage(bucket).downgraded();
  }
}
