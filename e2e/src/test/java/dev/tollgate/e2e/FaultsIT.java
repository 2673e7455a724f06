package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.testkit.Ports;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What clients see when a part of the gateway is down. */
class FaultsIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String BOB = "tg-e2e-bob-key-00001";

  @Test
  void rateLimitServiceDownRefusesBudgetedRequestsWhenFailingClosed() throws Exception {
    try (TollgateRun gateway =
        TollgateRun.start(
            "budgets",
            Path.of("target/e2e/rls-down-closed").toAbsolutePath(),
            Map.of("ENFORCE_TOKENS", "100000"),
            "--ratelimit-address",
            "127.0.0.1:" + Ports.free())) {
      HttpResponse<String> response =
          gateway.post("/v1/chat/completions", BOB, BudgetIT.chat(5, false), Map.of());
      assertThat(response.statusCode()).isEqualTo(503);
      assertThat(JSON.readTree(response.body()).path("error").path("code").asText())
          .isEqualTo("budget_service_unavailable");
    }
  }

  @Test
  void rateLimitServiceDownLetsRequestsPassWhenFailingOpen() throws Exception {
    try (TollgateRun gateway =
        TollgateRun.start(
            "budgets",
            Path.of("target/e2e/rls-down-open").toAbsolutePath(),
            Map.of("ENFORCE_TOKENS", "100000"),
            "--ratelimit-address",
            "127.0.0.1:" + Ports.free(),
            "--ratelimit-fail-open")) {
      assertThat(
              gateway
                  .post("/v1/chat/completions", BOB, BudgetIT.chat(5, false), Map.of())
                  .statusCode())
          .isEqualTo(200);
    }
  }

  @Test
  void processorDownIsACleanOpenAiStyle503() throws Exception {
    try (TollgateRun gateway =
        TollgateRun.start(
            "budgets",
            Path.of("target/e2e/processor-down").toAbsolutePath(),
            Map.of("ENFORCE_TOKENS", "100000"),
            "--processor-address",
            "127.0.0.1:" + Ports.free())) {
      HttpResponse<String> response =
          gateway.post("/v1/chat/completions", BOB, BudgetIT.chat(5, false), Map.of());
      assertThat(response.statusCode()).isEqualTo(503);
      JsonNode error = JSON.readTree(response.body()).path("error");
      assertThat(error.path("type").asText()).isEqualTo("server_error");
      assertThat(error.path("message").asText()).isNotBlank();
    }
  }

  @Test
  void sigtermStopsEnvoyAndTheGateway() throws Exception {
    TollgateRun gateway =
        TollgateRun.start(
            "budgets",
            Path.of("target/e2e/sigterm").toAbsolutePath(),
            Map.of("ENFORCE_TOKENS", "100000"));
    assertThat(TollgateRun.get(gateway.envoyAdminUrl() + "/ready", null).statusCode())
        .isEqualTo(200);
    gateway.close();
    assertThat(gateway.isAlive()).isFalse();
    assertThat(gateway.exitCode()).isIn(0, 143);
    org.junit.jupiter.api.Assertions.assertThrows(
        java.io.UncheckedIOException.class,
        () -> TollgateRun.get(gateway.envoyAdminUrl() + "/ready", null));
  }
}
