package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.emulator.EmulatorServer;
import dev.tollgate.emulator.ReceivedRequest;
import dev.tollgate.emulator.openai.AzureOpenAiEmulator;
import dev.tollgate.emulator.openai.EmulatedModel;
import dev.tollgate.emulator.openai.OpenAiEmulator;
import dev.tollgate.model.Wire;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /v1/responses} through {@code tollgate run} and a real Envoy, driven by the official
 * {@code openai} client's {@code responses.create} and {@code responses.stream}: the provider (the
 * strict OpenAI emulator, serving gpt-4.1 only, and the strict Azure OpenAI emulator, serving the
 * deployment gpt-41-eu) gets its own model name, path and key, and the gateway accounts what the
 * provider reported.
 */
class ResponsesIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String KEY = "tg-e2e-alice-key-0001";
  static final String TIGHT_BUDGET_KEY = "tg-e2e-bob-key-00001";
  static EmulatorServer openai;
  static EmulatorServer openaiDown;
  static TollgateRun gateway;

  @BeforeAll
  static void start() {
    openai =
        EmulatorServer.start(
            "127.0.0.1",
            0,
            List.of(
                AzureOpenAiEmulator.serving(
                    Map.of("gpt-41-eu", EmulatedModel.named("gpt-4.1")),
                    "sk-e2e-responses-upstream"),
                OpenAiEmulator.serving(
                    List.of(EmulatedModel.named("gpt-4.1")), "sk-e2e-responses-upstream")),
            0);
    // An OpenAI account answering 503 to everything: its rule falls back to the Azure deployment.
    openaiDown =
        EmulatorServer.start(
            "127.0.0.1",
            0,
            List.of(
                OpenAiEmulator.serving(
                        List.of(EmulatedModel.named("gpt-4.1")), "sk-e2e-responses-upstream")
                    .unavailable()),
            0);
    gateway =
        TollgateRun.start(
            "responses",
            Path.of("target/e2e/responses").toAbsolutePath(),
            Map.of(
                "RESPONSES_URL",
                "http://127.0.0.1:" + openai.port(),
                "RESPONSES_DOWN_URL",
                "http://127.0.0.1:" + openaiDown.port()));
  }

  /**
   * Nothing Tollgate's filters pass between themselves ({@code x-tollgate-*}) reaches a provider.
   */
  @AfterEach
  void noProviderReceivedAGatewayHeader() {
    assertThat(openai.gatewayHeaderLeaks()).as("x-tollgate-* headers at the provider").isEmpty();
    assertThat(openaiDown.gatewayHeaderLeaks())
        .as("x-tollgate-* headers at the provider in an outage")
        .isEmpty();
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.close();
    }
    if (openai != null) {
      openai.close();
    }
    if (openaiDown != null) {
      openaiDown.close();
    }
  }

  @Test
  void theOfficialClientCreatesAndStreamsResponsesAndTheirUsageIsAccounted() throws Exception {
    OpenAiClient.run(gateway, KEY, "responses").assertPassed();

    // The stream was the client's last call: what the provider received for it.
    ReceivedRequest last = openai.lastReceived();
    assertThat(last.method()).isEqualTo("POST");
    assertThat(last.path()).isEqualTo("/v1/responses");
    assertThat(last.header("authorization")).contains("Bearer sk-e2e-responses-upstream");
    assertThat(last.headers())
        .doesNotContainKeys(
            "x-api-key", Wire.NAMESPACE_HEADER, Wire.CLIENT_HEADER, Wire.MODEL_HEADER);
    JsonNode sent = JSON.readTree(last.body());
    assertThat(sent.path("model").asText()).isEqualTo("gpt-4.1");
    assertThat(sent.path("stream").asBoolean()).isTrue();
    assertThat(sent.path("max_output_tokens").asLong()).isEqualTo(4096);
    assertThat(sent.has("stream_options")).isFalse();

    JsonNode streamed = assertCreatedAndStreamedCounted("codex");
    assertThat(streamed.path("cached_input_tokens").asLong()).isEqualTo(4);
    assertThat(streamed.path("output_tokens").asLong()).isEqualTo(21);
    assertThat(streamed.path("response_model").asText()).isEqualTo("gpt-4.1");
    // (8 − 4) × 2 + 4 × 0.5 + 21 × 8 USD per million tokens.
    assertThat(new BigDecimal(streamed.path("cost").asText()))
        .isEqualByComparingTo(new BigDecimal("0.000178"));
  }

  @Test
  void theOfficialClientCreatesAndStreamsResponsesOfAnAzureDeploymentAndTheirUsageIsAccounted()
      throws Exception {
    OpenAiClient.run(gateway, KEY, "responses-azure").assertPassed();

    // The stream was the client's last call: Azure's v1 path, the deployment as model, its key.
    ReceivedRequest last = openai.lastReceived();
    assertThat(last.method()).isEqualTo("POST");
    assertThat(last.path()).isEqualTo("/openai/v1/responses");
    assertThat(last.queryParameter("api-version")).isEmpty();
    assertThat(last.header("api-key")).contains("sk-e2e-responses-upstream");
    assertThat(last.headers())
        .doesNotContainKeys(
            "authorization",
            "x-api-key",
            Wire.NAMESPACE_HEADER,
            Wire.CLIENT_HEADER,
            Wire.MODEL_HEADER,
            Wire.UPSTREAM_MODEL_HEADER,
            Wire.PATH_PREFIX_HEADER,
            Wire.PATH_RESPONSES_HEADER);
    // The model span and the client's path survive into retry attempts in metadata, not in
    // headers: no x-tollgate-* header at all reaches the provider
    // (noProviderReceivedAGatewayHeader).
    JsonNode sent = JSON.readTree(last.body());
    assertThat(sent.path("model").asText()).isEqualTo("gpt-41-eu");
    assertThat(sent.path("stream").asBoolean()).isTrue();
    assertThat(sent.path("max_output_tokens").asLong()).isEqualTo(4096);

    JsonNode streamed = assertCreatedAndStreamedCounted("eu");
    assertThat(streamed.path("output_tokens").asLong()).isEqualTo(21);
    assertThat(streamed.path("usage_source").asText()).isEqualTo("reported");
  }

  @Test
  void aFallbackFromOpenAiToAzureSendsEachAttemptItsOwnModelPathAndKey() throws Exception {
    OpenAiClient.run(gateway, KEY, "responses-azure-fallback").assertPassed();

    ReceivedRequest first = openaiDown.lastReceived();
    assertThat(first.path()).isEqualTo("/v1/responses");
    assertThat(first.header("authorization")).contains("Bearer sk-e2e-responses-upstream");
    assertThat(first.headers()).doesNotContainKey("api-key");
    assertThat(JSON.readTree(first.body()).path("model").asText()).isEqualTo("gpt-4.1");
    ReceivedRequest second = openai.lastReceived();
    assertThat(second.path()).isEqualTo("/openai/v1/responses");
    assertThat(second.header("api-key")).contains("sk-e2e-responses-upstream");
    assertThat(second.headers()).doesNotContainKey("authorization");
    assertThat(JSON.readTree(second.body()).path("model").asText()).isEqualTo("gpt-41-eu");
  }

  @Test
  void aResponseOverTheBudgetGetsTheClientsRateLimitErrorStreamingOrNot() throws Exception {
    OpenAiClient.run(gateway, TIGHT_BUDGET_KEY, "responses-rate-limited").assertPassed();
  }

  /**
   * Waits for the access-log lines of the client's create and stream of a model and checks the
   * create's usage and the stream's input (the emulator's counts: a quarter of the characters of
   * each text in, one token per word out); returns the stream's line.
   */
  private static JsonNode assertCreatedAndStreamedCounted(String model) {
    List<JsonNode> served =
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> servedResponses(model), lines -> lines.size() >= 2);
    JsonNode created = served.get(0);
    assertThat(created.path("stream").asBoolean()).isFalse();
    assertThat(created.path("input_tokens").asLong()).isEqualTo(13);
    assertThat(created.path("output_tokens").asLong()).isEqualTo(21);
    assertThat(created.path("usage_source").asText()).isEqualTo("reported");
    JsonNode streamed = served.get(served.size() - 1);
    assertThat(streamed.path("stream").asBoolean()).isTrue();
    assertThat(streamed.path("input_tokens").asLong()).isEqualTo(8);
    return streamed;
  }

  /** The access-log lines of alice's Responses calls of a model the provider answered, in order. */
  private static List<JsonNode> servedResponses(String model) {
    return gateway.accessLog().stream()
        .filter(
            entry ->
                entry.path("path").asText().equals("/v1/responses")
                    && entry.path("client").asText().equals("alice")
                    && entry.path("model").asText().equals(model)
                    && entry.path("status").asInt() == 200)
        .toList();
  }
}
