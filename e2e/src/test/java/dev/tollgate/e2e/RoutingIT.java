package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.model.Wire;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Routing, errors and streaming through {@code tollgate run} with a real Envoy. */
class RoutingIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String KEY = "tg-e2e-alice-key-0001";
  static TollgateRun gateway;

  @BeforeAll
  static void start() {
    gateway =
        TollgateRun.start("routing", Path.of("target/e2e/routing").toAbsolutePath(), Map.of());
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.close();
    }
  }

  static String chat(String model) {
    return "{\"model\":\""
        + model
        + "\",\"max_tokens\":8,\"messages\":[{\"role\":\"user\",\"content\":\"Hello there\"}]}";
  }

  static JsonNode ok(HttpResponse<String> response) throws Exception {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  static JsonNode error(HttpResponse<String> response, int status) throws Exception {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    JsonNode error = JSON.readTree(response.body()).path("error");
    assertThat(error.path("message").asText()).isNotBlank();
    assertThat(error.has("type")).isTrue();
    return error;
  }

  @Test
  void routesByModelNameAndByAlias() throws Exception {
    assertThat(
            ok(gateway.post("/v1/chat/completions", KEY, chat("demo-chat"), Map.of()))
                .path("model")
                .asText())
        .isEqualTo("demo-chat");
    JsonNode viaAlias = ok(gateway.post("/v1/chat/completions", KEY, chat("fast"), Map.of()));
    assertThat(viaAlias.path("model").asText()).isEqualTo("demo-chat");
    assertThat(viaAlias.path("usage").path("total_tokens").asInt()).isPositive();
  }

  @Test
  void weightedSplitReachesBothBackends() throws Exception {
    Set<String> served = new HashSet<>();
    for (int i = 0; i < 40 && served.size() < 2; i++) {
      served.add(
          ok(gateway.post("/v1/chat/completions", KEY, chat("split"), Map.of()))
              .path("model")
              .asText());
    }
    assertThat(served).containsExactlyInAnyOrder("demo-chat", "demo-chat-b");
  }

  @Test
  void fallsBackToThePriorityOneBackendWhenThePrimaryAnswers503() throws Exception {
    for (int i = 0; i < 3; i++) {
      assertThat(
              ok(gateway.post("/v1/chat/completions", KEY, chat("resilient"), Map.of()))
                  .path("model")
                  .asText())
          .isEqualTo("demo-chat-b");
    }
  }

  /**
   * A rule whose fallback is another provider: Envoy tells the processor which provider answered
   * (x-tollgate-provider, from the endpoint's metadata), so the request is accounted at that
   * provider's prices, and the header does not reach the client.
   */
  @Test
  void aFallbackToAnotherProviderIsAccountedAtThatProvidersPrices() throws Exception {
    HttpResponse<String> response =
        gateway.post("/v1/chat/completions", KEY, chat("cross-provider"), Map.of());
    JsonNode body = ok(response);
    assertThat(body.path("model").asText()).isEqualTo("demo-chat-b");
    assertThat(response.headers().firstValue(Wire.PROVIDER_HEADER)).isEmpty();
    String requestId = response.headers().firstValue("x-request-id").orElseThrow();
    JsonNode line =
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> accessLogLine(requestId), java.util.Optional::isPresent)
            .orElseThrow();
    assertThat(line.path("provider").asText()).isEqualTo("e2e/demo-premium");
    long input = body.path("usage").path("prompt_tokens").asLong();
    long output = body.path("usage").path("completion_tokens").asLong();
    // demo-premium: 10 USD per million input tokens, 20 per million output tokens.
    assertThat(new java.math.BigDecimal(line.path("cost").asText()))
        .isEqualByComparingTo(
            java.math.BigDecimal.valueOf(input * 10 + output * 20).movePointLeft(6));
    assertThat(line.path("currency").asText()).isEqualTo("USD");
  }

  private static java.util.Optional<JsonNode> accessLogLine(String requestId) {
    for (String line : gateway.logLines()) {
      int json = line.indexOf("{\"time\"");
      if (line.contains("tollgate.access") && json >= 0 && line.contains(requestId)) {
        try {
          return java.util.Optional.of(JSON.readTree(line.substring(json)));
        } catch (Exception e) {
          return java.util.Optional.empty();
        }
      }
    }
    return java.util.Optional.empty();
  }

  @Test
  void retriesOn429AndPassesTheProviders429OnWhenRetriesAreOff() throws Exception {
    assertThat(
            ok(gateway.post("/v1/chat/completions", KEY, chat("retry-429"), Map.of()))
                .path("model")
                .asText())
        .isEqualTo("demo-chat-b");
    JsonNode error =
        error(gateway.post("/v1/chat/completions", KEY, chat("no-retry-429"), Map.of()), 429);
    assertThat(error.path("code").asText()).isNotBlank();
  }

  @Test
  void badKeyIs401InOpenAiShape() throws Exception {
    JsonNode error =
        error(
            gateway.post(
                "/v1/chat/completions", "tg-not-a-real-key-000", chat("demo-chat"), Map.of()),
            401);
    assertThat(error.path("code").asText()).isEqualTo("invalid_api_key");
    assertThat(gateway.post("/v1/chat/completions", null, chat("demo-chat"), Map.of()).statusCode())
        .isEqualTo(401);
  }

  @Test
  void unknownModelIs404ListingTheAllowedModels() throws Exception {
    JsonNode error =
        error(gateway.post("/v1/chat/completions", KEY, chat("gpt-99"), Map.of()), 404);
    assertThat(error.path("message").asText()).contains("demo-chat").contains("fast");
  }

  @Test
  void oversizedBodyIs413() throws Exception {
    String big =
        "{\"model\":\"demo-chat\",\"messages\":[{\"role\":\"user\",\"content\":\""
            + "x".repeat(2_500_000)
            + "\"}]}";
    assertThat(gateway.post("/v1/chat/completions", KEY, big, Map.of()).statusCode())
        .isEqualTo(413);
  }

  @Test
  void hangingUpstreamHitsTheRouteTimeoutWith504() throws Exception {
    JsonNode error =
        error(
            gateway.post(
                "/v1/chat/completions", KEY, chat("slow"), Map.of("x-demo-delay-ms", "4000")),
            504);
    assertThat(error.path("code").asText()).isEqualTo("upstream_timeout");
  }

  @Test
  void streamsWithUsageCounted() throws Exception {
    HttpResponse<String> response =
        gateway.post(
            "/v1/chat/completions",
            KEY,
            "{\"model\":\"fast\",\"stream\":true,\"max_tokens\":6,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}",
            Map.of());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
    assertThat(response.body()).contains("data: [DONE]");
    // The processor asks the provider for usage in streams; the client sees the usage chunk.
    assertThat(response.body()).contains("\"completion_tokens\":6");
  }

  @Test
  void modelsAreListedPerNamespace() throws Exception {
    JsonNode models = ok(TollgateRun.get(gateway.url() + "/v1/models", KEY));
    assertThat(models.path("data").findValuesAsText("id"))
        .contains("demo-chat", "fast", "split", "embed");
  }

  @Test
  void embeddingsPassThrough() throws Exception {
    JsonNode response =
        ok(
            gateway.post(
                "/v1/embeddings", KEY, "{\"model\":\"embed\",\"input\":[\"a\",\"b\"]}", Map.of()));
    assertThat(response.path("data")).hasSize(2);
  }

  /**
   * The demo's Azure emulator answers only a deployment path with a known api-version and the
   * provider's key in api-key, so a 200 naming the deployment's model proves all three.
   */
  @Test
  void anAzureProviderGetsItsDeploymentPathApiVersionAndKey() throws Exception {
    JsonNode answer = ok(gateway.post("/v1/chat/completions", KEY, chat("azure-chat"), Map.of()));
    assertThat(answer.path("model").asText()).isEqualTo("gpt-4o");
    assertThat(answer.path("prompt_filter_results").isArray()).isTrue();
    HttpResponse<String> stream =
        gateway.post(
            "/v1/chat/completions",
            KEY,
            "{\"model\":\"azure-chat\",\"stream\":true,\"max_tokens\":3,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}",
            Map.of());
    assertThat(stream.statusCode()).as(stream.body()).isEqualTo(200);
    assertThat(stream.body()).contains("\"completion_tokens\":3").endsWith("data: [DONE]\n\n");
  }

  @Test
  void theOfficialOpenAiClientCallsAndStreams() throws Exception {
    OpenAiClient.run(gateway, KEY, "basic").assertPassed();
  }

  @Test
  void theOfficialOpenAiClientRaisesItsTypedErrorsForWhatTheGatewayRefuses() throws Exception {
    OpenAiClient.run(gateway, KEY, "refused").assertPassed();
  }
}
