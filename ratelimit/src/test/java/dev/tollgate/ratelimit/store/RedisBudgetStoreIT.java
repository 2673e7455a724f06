package dev.tollgate.ratelimit.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.testkit.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.SlotHash;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class RedisBudgetStoreIT extends BudgetStoreContract {
  private static RedisServer redis;
  private static RedisClient client;
  private static StatefulRedisConnection<String, String> connection;

  @BeforeAll
  static void startRedis() throws IOException {
    redis = RedisServer.startEphemeral();
    client = RedisClient.create(redis.uri());
    connection = client.connect();
  }

  @AfterAll
  static void stopRedis() {
    if (connection != null) {
      connection.close();
      client.shutdown();
    }
    if (redis != null) {
      redis.stop();
    }
  }

  @Override
  protected BudgetStore newStore() {
    connection.sync().flushall();
    return redisStore();
  }

  private static RedisBudgetStore redisStore() {
    return new RedisBudgetStore(
        RedisStoreSettings.of(redis.uri()).withCommandTimeout(Duration.ofSeconds(5)),
        Clock.systemUTC());
  }

  @Test
  void everyKeyOfANamespaceSharesOneHashTagSoOneScriptRunsOnOneClusterShard() {
    reserve("r1", enforced("tokens", 10, 100), enforced("requests", 1, 10));
    commit("r1", true, enforced("tokens", 5, 100), enforced("requests", 1, 10));
    reserve("r2", enforced("tokens", 10, 100));
    List<String> keys = connection.sync().keys("*");
    assertThat(keys)
        .contains(
            "tollgate:{team-a}:b:tokens",
            "tollgate:{team-a}:b:tokens:r",
            "tollgate:{team-a}:q:r2",
            "tollgate:{team-a}:c:r1",
            "tollgate:{team-a}:open",
            "tollgate:{team-a}:idx");
    Set<Integer> slots = keys.stream().map(SlotHash::getSlot).collect(Collectors.toSet());
    assertThat(slots).containsExactly(SlotHash.getSlot("team-a"));
  }

  @Test
  void bucketsExpireAfterTheirWindowAndNothingLivesForever() {
    reserve("r1", enforced("tokens", 10, 100));
    commit("r1", true, enforced("tokens", 5, 100));
    RedisCommands<String, String> sync = connection.sync();
    long windowLeftMs = Duration.between(T0, HOUR_END).toMillis();
    long grace = RedisStoreSettings.of("redis://x").keyGrace().toMillis();
    assertThat(sync.pttl("tollgate:{team-a}:b:tokens"))
        .isBetween(windowLeftMs, windowLeftMs + grace);
    for (String key : sync.keys("*")) {
      assertThat(sync.pttl(key)).as(key).isPositive();
    }
  }

  @Test
  void expiredReservationsAndEndedWindowsLeaveTheirSetsWhenTheyAreRead() {
    reserve("r1", enforced("tokens", 10, 100));
    Instant later = HOUR_END.plusSeconds(1);
    assertThat(store.outstandingReservations(List.of(NS), later).join()).isZero();
    assertThat(store.usage(NS, later).join()).isEmpty();
    assertThat(connection.sync().zcard("tollgate:{team-a}:open")).isZero();
    assertThat(connection.sync().zcard("tollgate:{team-a}:idx")).isZero();
  }

  @Test
  void usageSurvivesARestartOfTheService() {
    reserve("r1", enforced("tokens", 50, 100));
    commit("r1", true, enforced("tokens", 42, 100));
    reserve("r2", enforced("tokens", 30, 100));
    store.close();
    store = redisStore();
    assertThat(usage()).containsExactly(new BucketReading("tokens", 42, 30, HOUR_END));
    assertThat(commit("r2", true, enforced("tokens", 20, 100)).states())
        .containsExactly(new BucketState(62, 0));
  }

  @Test
  void scriptsAreSentAgainWhenRedisLostItsScriptCache() {
    reserve("r1", enforced("tokens", 50, 100));
    connection.sync().scriptFlush();
    assertThat(commit("r1", true, enforced("tokens", 42, 100)).status())
        .isEqualTo(CommitResult.Status.COMMITTED);
  }
}
