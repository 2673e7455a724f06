package dev.tollgate.ratelimit;

import static dev.tollgate.ratelimit.Fixtures.limit;
import static dev.tollgate.ratelimit.Fixtures.quota;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tollgate.ratelimit.store.RedisBudgetStore;
import dev.tollgate.ratelimit.store.RedisStoreSettings;
import dev.tollgate.testkit.MutableClock;
import dev.tollgate.testkit.RedisServer;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.Code;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The service against a real Redis that the tests stop and start again. */
class RedisOutageIT {
  private final MutableClock clock = new MutableClock(Instant.parse("2026-03-10T10:00:10Z"));
  private SimpleMeterRegistry registry;
  @TempDir Path data;
  private RedisServer redis;
  private RedisBudgetStore store;
  private RateLimitService service;

  @AfterEach
  void stop() {
    if (store != null) {
      store.close();
    }
    if (redis != null) {
      redis.stop();
    }
  }

  @Test
  void committedUsageSurvivesARestartOfRedisAndOfTheService() throws IOException {
    start(RateLimitSettings.FailureMode.OPEN);
    decide(reserve("r1", 1000));
    decide(commit("r1", 600, 200));
    decide(reserve("r2", 500));
    redis.stop();
    redis.start();
    store.close();
    start(RateLimitSettings.FailureMode.OPEN, false);
    BucketUsageReport tokens = usage();
    assertThat(tokens.used()).isEqualByComparingTo("800");
    assertThat(tokens.reserved()).isEqualByComparingTo("500");
  }

  @Test
  void failOpenAllowsRequestsDuringAnOutageAndCountsTheirUsageWhenRedisReturns()
      throws IOException {
    start(RateLimitSettings.FailureMode.OPEN);
    decide(reserve("r1", 1000));
    decide(commit("r1", 600, 200));
    decide(reserve("r2", 5000));

    redis.stop();
    RateLimitResponse during = decide(reserve("r3", 1000));
    assertThat(during.getOverallCode()).isEqualTo(Code.OK);
    assertThat(during.getResponseHeadersToAddList()).isEmpty();
    assertThat(decide(commit("r2", 1000, 0)).getOverallCode()).isEqualTo(Code.OK);
    assertThat(service.pendingCommits()).isEqualTo(1);
    assertThat(count("tollgate.ratelimit.decisions", "result", "fail_open")).isEqualTo(1);
    assertThat(count("tollgate.ratelimit.store.errors", "operation", "reserve")).isEqualTo(1);

    redis.start();
    awaitRedis();
    service.retryPendingCommits();
    assertThat(service.pendingCommits()).isZero();
    BucketUsageReport tokens = usage();
    assertThat(tokens.used()).isEqualByComparingTo("1800");
    assertThat(tokens.reserved()).isEqualByComparingTo("0");
    assertThat(Requests.headers(decide(reserve("r4", 100))))
        .containsEntry("x-ratelimit-remaining-tokens", "18100");
  }

  @Test
  void failClosedRejectsRequestsDuringAnOutageAndRecoversByItself() throws IOException {
    start(RateLimitSettings.FailureMode.CLOSED);
    decide(reserve("r1", 1000));

    redis.stop();
    RateLimitResponse during = decide(reserve("r2", 1000));
    assertThat(during.getOverallCode()).isEqualTo(Code.OVER_LIMIT);
    assertThat(Requests.headers(during)).containsEntry("retry-after", "1");

    redis.start();
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> decide(reserve("probe", 1)).getOverallCode() == Code.OK);
    assertThat(Requests.headers(decide(reserve("r3", 1000))))
        .containsEntry("x-ratelimit-remaining-tokens", "17999");
  }

  private void start(RateLimitSettings.FailureMode mode) throws IOException {
    start(mode, true);
  }

  private void start(RateLimitSettings.FailureMode mode, boolean newRedis) throws IOException {
    if (newRedis) {
      redis = RedisServer.startPersistent(data.resolve("redis"));
    }
    registry = new SimpleMeterRegistry();
    store =
        new RedisBudgetStore(
            RedisStoreSettings.of(redis.uri()).withCommandTimeout(Duration.ofMillis(500)),
            Clock.systemUTC());
    service =
        new RateLimitService(
            Fixtures.quickstartWith(
                quota(
                    "default-budget",
                    "Enforce",
                    "UTC",
                    limit("tokens-per-minute", "Tokens", "20000", "1m", "Client"))),
            store,
            RateLimitSettings.defaults().withFailureMode(mode),
            clock,
            registry);
  }

  private void awaitRedis() {
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(100))
        .ignoreExceptions()
        .until(() -> service.usage("default", "default-budget").join() != null);
  }

  private BucketUsageReport usage() {
    return service.usage("default", "default-budget").join().get(0);
  }

  private RateLimitResponse decide(RateLimitRequest request) {
    return service.decide(request).join();
  }

  private double count(String meter, String tag, String value) {
    return registry.get(meter).tag(tag, value).counter().count();
  }

  private static RateLimitRequest reserve(String requestId, long hits) {
    return Requests.reserve("default", "chat", "alice", "fast", requestId, hits);
  }

  private static RateLimitRequest commit(String requestId, long input, long output) {
    return Requests.commit(
        "default", "chat", "alice", "fast", requestId, input, 0, output, "default/demo");
  }
}
