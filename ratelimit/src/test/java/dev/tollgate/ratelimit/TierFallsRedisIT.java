package dev.tollgate.ratelimit;

import static dev.tollgate.ratelimit.Fixtures.limit;
import static dev.tollgate.ratelimit.Fixtures.quota;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.model.GatewayModel;
import dev.tollgate.ratelimit.store.RedisBudgetStore;
import dev.tollgate.ratelimit.store.RedisStoreSettings;
import dev.tollgate.testkit.MutableClock;
import dev.tollgate.testkit.RedisServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two rate-limit replicas on one real Redis: the requests that fell to a tier are counted in Redis,
 * next to the bucket, so the quota's usage (what the operator writes into status) shows every
 * replica's falls, whichever replica it is read from.
 */
class TierFallsRedisIT {
  private final MutableClock clock = new MutableClock(Instant.parse("2026-03-10T10:00:10Z"));
  private final GatewayModel model =
      Fixtures.quickstartWith(
          quota(
              "budgets",
              "Enforce",
              "UTC",
              limit("tokens-per-minute", "Tokens", "1000", "1m", "Model")));
  private RedisServer redis;
  private RedisBudgetStore storeA;
  private RedisBudgetStore storeB;
  private RateLimitService replicaA;
  private RateLimitService replicaB;

  @BeforeEach
  void start() throws IOException {
    redis = RedisServer.startEphemeral();
    storeA = store();
    storeB = store();
    replicaA = service(storeA);
    replicaB = service(storeB);
  }

  @AfterEach
  void stop() {
    for (AutoCloseable c : new AutoCloseable[] {storeA, storeB}) {
      if (c != null) {
        try {
          c.close();
        } catch (Exception e) {
          // closing a test store
        }
      }
    }
    if (redis != null) {
      redis.stop();
    }
  }

  @Test
  void everyReplicaReportsTheFallsOfEveryReplica() {
    replicaA.decide(Requests.reserve("default", "chat", "alice", "demo-chat", "r1", 700)).join();
    // Past the warn threshold (80%) with the next 100 tokens: two falls on A, one on B.
    assertThat(check(replicaA).fall()).isTrue();
    assertThat(check(replicaA).fall()).isTrue();
    TierDecision onB = check(replicaB);
    assertThat(onB)
        .isEqualTo(
            new TierDecision(
                true, "warn", "default/budgets", "tokens-per-minute", "model=demo-chat"));

    assertThat(downgraded(replicaA)).isEqualTo(3);
    assertThat(downgraded(replicaB)).isEqualTo(3);
    // What the operator reads over HTTP (--quota-usage-url) says the same from either replica.
    for (RateLimitService replica : List.of(replicaA, replicaB)) {
      List<BucketUsageReport> read =
          UsageJson.parse(
              UsageJson.render(model, replica, "namespace=default&quota=budgets"),
              "default",
              "budgets");
      assertThat(read)
          .filteredOn(b -> b.bucket().equals("model=demo-chat"))
          .extracting(BucketUsageReport::downgraded)
          .containsExactly(3L);
    }
    // Counting falls reserved nothing and committed nothing.
    BucketUsageReport bucket = bucket(replicaB);
    assertThat(bucket.used()).isEqualByComparingTo("0");
    assertThat(bucket.reserved()).isEqualByComparingTo("700");

    // The count ends with the window, on every replica.
    clock.advance(Duration.ofMinutes(1));
    replicaA.decide(Requests.reserve("default", "chat", "alice", "demo-chat", "r2", 10)).join();
    assertThat(downgraded(replicaA)).isZero();
    assertThat(downgraded(replicaB)).isZero();
  }

  private TierDecision check(RateLimitService replica) {
    return replica
        .tierCheck(new RequestIdentity("default", "chat", "alice", "demo-chat"), 100, true)
        .join();
  }

  private long downgraded(RateLimitService replica) {
    return bucket(replica).downgraded();
  }

  private BucketUsageReport bucket(RateLimitService replica) {
    List<BucketUsageReport> usage = replica.usage("default", "budgets").join();
    return usage.stream()
        .filter(b -> b.bucket().equals("model=demo-chat"))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no bucket model=demo-chat in " + usage));
  }

  private RedisBudgetStore store() {
    return new RedisBudgetStore(
        RedisStoreSettings.of(redis.uri()).withCommandTimeout(Duration.ofSeconds(5)), clock);
  }

  private RateLimitService service(RedisBudgetStore store) {
    return new RateLimitService(
        model, store, RateLimitSettings.defaults(), clock, new SimpleMeterRegistry());
  }
}
