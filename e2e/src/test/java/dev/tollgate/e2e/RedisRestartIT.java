package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.testkit.RedisServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** With Redis, budget usage survives a restart of {@code tollgate run}. */
class RedisRestartIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String BOB = "tg-e2e-bob-key-00001";

  @Test
  void usageSurvivesARestartOfTheGateway() throws Exception {
    Path work = Files.createDirectories(Path.of("target/e2e/redis-restart").toAbsolutePath());
    try (RedisServer redis = RedisServer.startEphemeral(work.resolve("redis.log"))) {
      long before;
      TollgateRun first =
          TollgateRun.start(
              "budgets", work, Map.of("ENFORCE_TOKENS", "100000"), "--redis", redis.uri());
      try {
        for (int i = 0; i < 3; i++) {
          assertThat(
                  first
                      .post("/v1/chat/completions", BOB, BudgetIT.chat(10, false), Map.of())
                      .statusCode())
              .isEqualTo(200);
        }
        // Every reservation committed: nothing is in flight when the gateway stops.
        org.awaitility.Awaitility.await()
            .atMost(java.time.Duration.ofSeconds(10))
            .until(() -> reserved(first) == 0);
        before = used(first);
        assertThat(before).isPositive();
      } finally {
        first.close();
      }
      TollgateRun second = first.restart("--redis", redis.uri());
      try {
        assertThat(used(second)).isEqualTo(before);
        assertThat(
                second
                    .post("/v1/chat/completions", BOB, BudgetIT.chat(10, false), Map.of())
                    .statusCode())
            .isEqualTo(200);
        long usedBefore = before;
        // Envoy commits at stream end, just after the client has its answer.
        org.awaitility.Awaitility.await()
            .atMost(java.time.Duration.ofSeconds(10))
            .untilAsserted(() -> assertThat(used(second)).isGreaterThan(usedBefore));
      } finally {
        second.close();
      }
    }
  }

  static long reserved(TollgateRun gateway) throws Exception {
    return field(gateway, "reserved");
  }

  static long used(TollgateRun gateway) throws Exception {
    return field(gateway, "used");
  }

  static long field(TollgateRun gateway, String name) throws Exception {
    JsonNode quota =
        BudgetIT.find(
            JSON.readTree(TollgateRun.get(gateway.metricsUrl() + "/usage", null).body()),
            "enforce",
            "budget");
    for (JsonNode bucket : quota.path("buckets")) {
      if (bucket.path("bucket").asText().contains("bob")) {
        return Long.parseLong(bucket.path(name).asText());
      }
    }
    return 0;
  }
}
