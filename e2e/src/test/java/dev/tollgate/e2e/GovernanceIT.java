package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Platform governance through real Envoy: a platform quota over two team namespaces (per namespace)
 * with a team quota narrowing it, key expiry, rotation and per-key models, and a route that serves
 * through its valid fallback while its preferred provider is invalid.
 */
class GovernanceIT {
  static final String OLD_KEY = "tg-e2e-ci-bot-old-key-01";
  static final String NEW_KEY = "tg-e2e-ci-bot-new-key-02";
  static final String INTERN_KEY = "tg-e2e-intern-key-000003";
  static final String TEAM_B_KEY = "tg-e2e-team-b-key-00001";
  static final ObjectMapper JSON = new ObjectMapper();
  static TollgateRun gateway;

  @BeforeAll
  static void start() {
    gateway =
        TollgateRun.start(
            "governance",
            Path.of("target/e2e/governance").toAbsolutePath(),
            Map.of(),
            "--platform-namespaces=tollgate-system");
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.close();
    }
  }

  static HttpResponse<String> chat(String key, String model) {
    return gateway.post(
        "/v1/chat/completions",
        key,
        "{\"model\":\""
            + model
            + "\",\"max_tokens\":8,\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}",
        Map.of());
  }

  static String code(HttpResponse<String> response) throws Exception {
    return JSON.readTree(response.body()).path("error").path("code").asText();
  }

  @Test
  void everyApplyingQuotaIsEnforcedAndKeysAreRestricted() throws Exception {
    HttpResponse<String> expired = chat(OLD_KEY, "demo-fast");
    assertThat(expired.statusCode()).as(expired.body()).isEqualTo(401);
    assertThat(code(expired)).isEqualTo("key_expired");
    assertThat(expired.body()).contains("2020-01-01T00:00:00Z").doesNotContain(OLD_KEY);

    HttpResponse<String> notAllowed = chat(INTERN_KEY, "demo-chat");
    assertThat(notAllowed.statusCode()).as(notAllowed.body()).isEqualTo(404);
    assertThat(code(notAllowed)).isEqualTo("model_not_found");
    JsonNode models =
        JSON.readTree(TollgateRun.get(gateway.url() + "/v1/models", INTERN_KEY).body());
    assertThat(models.path("data").findValuesAsText("id")).containsExactly("demo-fast");

    // team-a: the platform's 3 requests a month; the preferred backend's provider is invalid, so
    // demo-chat is served by the fallback.
    HttpResponse<String> viaFallback = chat(NEW_KEY, "demo-chat");
    assertThat(viaFallback.statusCode()).as(viaFallback.body()).isEqualTo(200);
    assertThat(chat(INTERN_KEY, "demo-fast").statusCode()).isEqualTo(200);
    assertThat(chat(NEW_KEY, "demo-fast").statusCode()).isEqualTo(200);
    HttpResponse<String> overCeiling = chat(NEW_KEY, "demo-fast");
    assertThat(overCeiling.statusCode()).as(overCeiling.body()).isEqualTo(429);
    assertThat(overCeiling.headers().firstValue("x-ratelimit-limit-requests")).contains("3");

    // team-b has its own bucket of the ceiling, and its own quota of 1 a month narrows it.
    assertThat(chat(TEAM_B_KEY, "demo-chat").statusCode()).isEqualTo(200);
    HttpResponse<String> overTeam = chat(TEAM_B_KEY, "demo-chat");
    assertThat(overTeam.statusCode()).as(overTeam.body()).isEqualTo(429);
    assertThat(overTeam.headers().firstValue("x-ratelimit-remaining-requests")).contains("0");
  }
}
