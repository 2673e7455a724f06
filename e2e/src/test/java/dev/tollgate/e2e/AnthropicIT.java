package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Anthropic's Messages API through {@code tollgate run} and real Envoy to the demo upstream's
 * strict Anthropic emulator: the official {@code anthropic} SDK (create, stream, count_tokens, a
 * tool-use round trip, its typed errors, an expired key with both official clients), and what the
 * gateway adds or refuses on the way.
 */
class AnthropicIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String ANN = "tg-e2e-ann-key-000001";
  static final String BEN = "tg-e2e-ben-key-000001";
  static final String ANN_EXPIRED = "tg-e2e-ann-old-key-01";
  static final String HELLO =
      "{\"model\":\"demo-claude\",\"max_tokens\":8,"
          + "\"messages\":[{\"role\":\"user\",\"content\":\"Hello there\"}]}";

  TollgateRun gateway;

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
  }

  @Test
  void theAnthropicSdkWorksThroughTheGatewayAndGetsTypedErrors() throws Exception {
    gateway =
        TollgateRun.start("anthropic", Path.of("target/e2e/anthropic").toAbsolutePath(), Map.of());

    // The emulator refuses a request without anthropic-version: the provider's version is added.
    HttpResponse<String> bare = gateway.post("/v1/messages", null, HELLO, Map.of("x-api-key", ANN));
    assertThat(bare.statusCode()).as(bare.body()).isEqualTo(200);
    JsonNode message = JSON.readTree(bare.body());
    assertThat(message.path("type").asText()).isEqualTo("message");
    assertThat(message.path("usage").path("output_tokens").asInt()).isEqualTo(8);

    // A beta the provider does not allow is dropped; the request still succeeds.
    HttpResponse<String> beta =
        gateway.post(
            "/v1/messages",
            ANN,
            HELLO,
            Map.of(
                "anthropic-version", "2023-06-01",
                "anthropic-beta", "prompt-caching-2024-07-31,unmetered-feature-2099-01-01"));
    assertThat(beta.statusCode()).as(beta.body()).isEqualTo(200);

    // Legacy completions to an Anthropic-only model are refused in OpenAI's shape, naming the way.
    HttpResponse<String> completion =
        gateway.post(
            "/v1/completions", ANN, "{\"model\":\"demo-claude\",\"prompt\":\"Hi\"}", Map.of());
    assertThat(completion.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(completion.body()).path("error").path("message").asText())
        .contains("POST /v1/messages");

    // The gateway's own refusals on the Messages API take Anthropic's shape.
    HttpResponse<String> noKey = gateway.post("/v1/messages", null, HELLO, Map.of());
    assertThat(noKey.statusCode()).isEqualTo(401);
    assertThat(JSON.readTree(noKey.body()).path("error").path("type").asText())
        .isEqualTo("authentication_error");

    OpenAiClient.runScript(gateway, "anthropic_client_check.py", gateway.url(), ANN, "basic")
        .assertPassed();
    // The openai client's chat completions to the same model, translated to Messages and back.
    OpenAiClient.runScript(gateway, "anthropic_client_check.py", gateway.url(), ANN, "chat")
        .assertPassed();
    // The anthropic client's messages to an OpenAI-compatible model, translated the other way.
    OpenAiClient.runScript(
            gateway, "anthropic_client_check.py", gateway.url(), ANN, "messages-to-openai")
        .assertPassed();
    // An expired key: the anthropic client's AuthenticationError (authentication_error) on the
    // Messages API, the openai client's AuthenticationError with code key_expired on the others.
    OpenAiClient.runScript(
            gateway, "anthropic_client_check.py", gateway.url(), ANN_EXPIRED, "key-expired")
        .assertPassed();
  }

  @Test
  void anExhaustedBudgetRaisesTheSdksRateLimitErrorWithRetryAfter() throws Exception {
    gateway =
        TollgateRun.start(
            "anthropic", Path.of("target/e2e/anthropic-budget").toAbsolutePath(), Map.of());
    OpenAiClient.runScript(gateway, "anthropic_client_check.py", gateway.url(), BEN, "rate-limited")
        .assertPassed();
  }
}
