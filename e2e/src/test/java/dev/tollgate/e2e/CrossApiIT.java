package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.e2e.AnthropicSpanIT.RecordingEmulator;
import dev.tollgate.emulator.EmulatorServer;
import dev.tollgate.emulator.ReceivedRequest;
import dev.tollgate.emulator.openai.EmulatedModel;
import dev.tollgate.emulator.openai.OpenAiEmulator;
import dev.tollgate.model.Wire;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Fallbacks across APIs through {@code tollgate run} and a real Envoy, each attempt translated (or
 * not) for its own backend by the upstream ext_proc filter: an OpenAI provider in an outage falling
 * back to an Anthropic provider for chat completions clients, and an overloaded Anthropic model
 * falling back to an OpenAI provider for Messages clients, with the official SDKs (JSON, streams,
 * tools, translated errors). Every provider is a strict emulator offering one model under its own
 * key; each is checked to have received exactly its own model, path, key and API headers, and the
 * budget to have charged exactly the tokens the providers reported.
 */
class CrossApiIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String ALICE = "tg-e2e-alice-key-0001";
  static final String BOB = "tg-e2e-bob-key-000001";
  static final String OPENAI_DOWN_KEY = "sk-openai-down-e2e-0001";
  static final String OPENAI_KEY = "sk-openai-up-e2e-0002";
  static final String SONNET_KEY = "sk-ant-sonnet-e2e-0003";
  static final String OPUS_KEY = "sk-ant-opus-e2e-0004";

  static EmulatorServer openaiDown;
  static EmulatorServer openai;
  static RecordingEmulator sonnet;
  static RecordingEmulator opus;
  static TollgateRun gateway;

  @BeforeAll
  static void start() {
    openaiDown =
        EmulatorServer.start(
            "127.0.0.1",
            0,
            List.of(
                OpenAiEmulator.serving(List.of(EmulatedModel.named("gpt-4o")), OPENAI_DOWN_KEY)
                    .unavailable()),
            0);
    openai =
        EmulatorServer.start(
            "127.0.0.1",
            0,
            List.of(
                OpenAiEmulator.serving(List.of(EmulatedModel.named("gpt-4o-mini")), OPENAI_KEY)),
            0);
    sonnet = new RecordingEmulator("claude-sonnet-4-5", SONNET_KEY);
    opus = new RecordingEmulator("claude-opus-4-1-overloaded", OPUS_KEY);
    gateway =
        TollgateRun.start(
            "cross-api",
            Path.of("target/e2e/cross-api").toAbsolutePath(),
            Map.of(
                "OPENAI_DOWN_URL",
                "http://127.0.0.1:" + openaiDown.port(),
                "OPENAI_URL",
                "http://127.0.0.1:" + openai.port(),
                "SONNET_URL",
                sonnet.url(),
                "OPUS_URL",
                opus.url()));
  }

  /**
   * Nothing Tollgate's filters pass between themselves ({@code x-tollgate-*}) reaches a provider.
   */
  @AfterEach
  void noProviderReceivedAGatewayHeader() {
    assertThat(openaiDown.gatewayHeaderLeaks()).as("at openai-down").isEmpty();
    assertThat(openai.gatewayHeaderLeaks()).as("at openai").isEmpty();
    assertThat(sonnet.gatewayHeaderLeaks()).as("at sonnet").isEmpty();
    assertThat(opus.gatewayHeaderLeaks()).as("at opus").isEmpty();
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.close();
    }
    for (AutoCloseable c : new AutoCloseable[] {openaiDown, openai, sonnet, opus}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        // Best effort.
      }
    }
  }

  static final String CHAT =
      "{\"model\":\"smart\",\"max_tokens\":6,"
          + "\"messages\":[{\"role\":\"user\",\"content\":\"Hello there\"}]}";
  static final String MESSAGE =
      "{\"model\":\"claude-first\",\"max_tokens\":6,"
          + "\"messages\":[{\"role\":\"user\",\"content\":\"Hello there\"}]}";

  @Test
  void anOpenAiClientFallsBackFromAnOutageToAnAnthropicProvider() throws Exception {
    int downBefore = openaiDown.received().size();
    int sonnetBefore = sonnet.received().size();
    HttpResponse<String> response = gateway.post("/v1/chat/completions", ALICE, CHAT, Map.of());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode completion = JSON.readTree(response.body());
    assertThat(completion.path("object").asText()).isEqualTo("chat.completion");
    assertThat(completion.path("model").asText()).isEqualTo("claude-sonnet-4-5");
    assertThat(openaiDown.received())
        .as("the outage was tried first")
        .hasSizeGreaterThan(downBefore);
    assertThat(sonnet.received()).as("the fallback answered").hasSize(sonnetBefore + 1);

    OpenAiClient.runScript(gateway, "cross_api_check.py", gateway.url(), ALICE, "chat-to-anthropic")
        .assertPassed();
    eachProviderReceivedOnlyItsOwn();
  }

  @Test
  void aMessagesClientFallsBackFromAnOverloadedAnthropicModelToOpenAi() throws Exception {
    int openaiBefore = openai.received().size();
    HttpResponse<String> response =
        gateway.post("/v1/messages", ALICE, MESSAGE, Map.of("anthropic-version", "2023-06-01"));
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode message = JSON.readTree(response.body());
    assertThat(message.path("type").asText()).isEqualTo("message");
    assertThat(message.path("model").asText()).isEqualTo("gpt-4o-mini");
    assertThat(openai.received()).as("the fallback answered").hasSize(openaiBefore + 1);

    OpenAiClient.runScript(
            gateway, "cross_api_check.py", gateway.url(), ALICE, "messages-to-openai")
        .assertPassed();
    eachProviderReceivedOnlyItsOwn();
  }

  /** An {@code anthropic-version} other than the providers' own (2023-06-01, the default). */
  static final String CLIENT_VERSION = "2023-01-01";

  static final Map<String, String> ANTHROPIC_HEADERS =
      Map.of(
          "anthropic-version",
          CLIENT_VERSION,
          "anthropic-beta",
          "files-api-2025-04-14,prompt-caching-2024-07-31");

  /**
   * A Messages client's {@code anthropic-version} (and its betas, cut to the providers' {@code
   * anthropic.betas}) reach the Anthropic attempts of a mixed rule, never its OpenAI attempts: an
   * OpenAI attempt first (an outage) then the Anthropic fallback, whose header edits must not lose
   * them for it, and the reverse. A client that sends no version gets the provider's.
   */
  @Test
  void aMessagesClientsAnthropicHeadersReachOnlyTheAnthropicAttemptsOfAMixedRule()
      throws Exception {
    String toSmart = MESSAGE.replace("claude-first", "smart");
    int down = openaiDown.received().size();
    int sonnetBefore = sonnet.received().size();
    HttpResponse<String> fallback = gateway.post("/v1/messages", ALICE, toSmart, ANTHROPIC_HEADERS);
    assertThat(fallback.statusCode()).as(fallback.body()).isEqualTo(200);
    assertThat(JSON.readTree(fallback.body()).path("model").asText())
        .isEqualTo("claude-sonnet-4-5");
    List<ReceivedRequest> outage = since(openaiDown.received(), down);
    assertThat(outage).as("the OpenAI outage was tried first").isNotEmpty();
    for (ReceivedRequest r : outage) {
      assertThat(r.headers()).doesNotContainKeys("anthropic-version", "anthropic-beta");
    }
    ReceivedRequest toSonnet = only(since(sonnet.received(), sonnetBefore));
    assertThat(toSonnet.header("anthropic-version")).contains(CLIENT_VERSION);
    assertThat(toSonnet.header("anthropic-beta")).contains("prompt-caching-2024-07-31");

    int opusBefore = opus.received().size();
    int openaiBefore = openai.received().size();
    HttpResponse<String> reverse = gateway.post("/v1/messages", ALICE, MESSAGE, ANTHROPIC_HEADERS);
    assertThat(reverse.statusCode()).as(reverse.body()).isEqualTo(200);
    ReceivedRequest toOpus = only(since(opus.received(), opusBefore));
    assertThat(toOpus.header("anthropic-version")).contains(CLIENT_VERSION);
    assertThat(toOpus.header("anthropic-beta")).contains("prompt-caching-2024-07-31");
    ReceivedRequest toOpenAi = only(since(openai.received(), openaiBefore));
    assertThat(toOpenAi.headers()).doesNotContainKeys("anthropic-version", "anthropic-beta");

    sonnetBefore = sonnet.received().size();
    HttpResponse<String> noVersion = gateway.post("/v1/messages", ALICE, toSmart, Map.of());
    assertThat(noVersion.statusCode()).as(noVersion.body()).isEqualTo(200);
    ReceivedRequest defaulted = only(since(sonnet.received(), sonnetBefore));
    assertThat(defaulted.header("anthropic-version")).contains("2023-06-01");
    assertThat(defaulted.header("anthropic-beta")).isEmpty();
    eachProviderReceivedOnlyItsOwn();
  }

  static List<ReceivedRequest> since(List<ReceivedRequest> received, int before) {
    return received.subList(before, received.size());
  }

  static ReceivedRequest only(List<ReceivedRequest> requests) {
    assertThat(requests).as("exactly one attempt").hasSize(1);
    return requests.get(0);
  }

  /**
   * The upstream ext_proc (the processor's attempt translator, on the mixed rules' clusters) gets
   * each translated attempt's headers after the provider's key was injected, but never a credential
   * header: Envoy's forward_rules withhold them. The processor counts every attempt by whether one
   * arrived.
   */
  @Test
  void theAttemptTranslatorNeverReceivesACredentialHeader() throws Exception {
    assertThat(gateway.post("/v1/chat/completions", ALICE, CHAT, Map.of()).statusCode())
        .isEqualTo(200);
    assertThat(
            gateway
                .post("/v1/messages", ALICE, MESSAGE, Map.of("anthropic-version", "2023-06-01"))
                .statusCode())
        .isEqualTo(200);
    String metrics = TollgateRun.get(gateway.metricsUrl() + "/metrics", null).body();
    assertThat(
            ReserveIT.metric(
                metrics,
                "tollgate_processor_attempts_total",
                "tollgate_credential_headers=\"absent\""))
        .as("both translated attempts reached the attempt translator")
        .isGreaterThanOrEqualTo(2);
    assertThat(
            ReserveIT.metric(
                metrics,
                "tollgate_processor_attempts_total",
                "tollgate_credential_headers=\"present\""))
        .as("no attempt carried authorization, x-api-key or api-key to the processor")
        .isZero();
  }

  /**
   * Translated errors, in the client's shape with the provider's status: the second tier of each
   * rule names a model its provider has retired (404, not retried).
   */
  @Test
  void aTranslatedAttemptsErrorReachesTheClientInItsOwnShape() throws Exception {
    HttpResponse<String> chat =
        gateway.post(
            "/v1/chat/completions", ALICE, CHAT.replace("smart", "smart-retired"), Map.of());
    assertThat(chat.statusCode()).as(chat.body()).isEqualTo(404);
    JsonNode openAiError = JSON.readTree(chat.body());
    assertThat(openAiError.has("type")).as(chat.body()).isFalse();
    assertThat(openAiError.path("error").path("type").asText()).isEqualTo("invalid_request_error");
    assertThat(openAiError.path("error").path("message").asText()).isNotBlank();

    HttpResponse<String> messages =
        gateway.post(
            "/v1/messages", ALICE, MESSAGE.replace("claude-first", "claude-retired"), Map.of());
    assertThat(messages.statusCode()).as(messages.body()).isEqualTo(404);
    JsonNode anthropicError = JSON.readTree(messages.body());
    assertThat(anthropicError.path("type").asText()).as(messages.body()).isEqualTo("error");
    assertThat(anthropicError.path("error").path("type").asText()).isEqualTo("not_found_error");
    assertThat(anthropicError.path("error").path("message").asText()).isNotBlank();
  }

  /** The budget charges exactly the tokens each provider reported, translated or not. */
  @Test
  void theBudgetChargesExactlyWhatTheProvidersReported() throws Exception {
    long reported = 0;
    for (int i = 0; i < 2; i++) {
      JsonNode chat =
          JSON.readTree(gateway.post("/v1/chat/completions", BOB, CHAT, Map.of()).body());
      reported +=
          chat.path("usage").path("prompt_tokens").asLong()
              + chat.path("usage").path("completion_tokens").asLong();
      JsonNode message =
          JSON.readTree(
              gateway
                  .post("/v1/messages", BOB, MESSAGE, Map.of("anthropic-version", "2023-06-01"))
                  .body());
      reported +=
          message.path("usage").path("input_tokens").asLong()
              + message.path("usage").path("output_tokens").asLong();
    }
    String stream =
        gateway
            .post(
                "/v1/chat/completions",
                BOB,
                CHAT.replace(
                    "\"max_tokens\"",
                    "\"stream\":true,\"stream_options\":{\"include_usage\":true},\"max_tokens\""),
                Map.of())
            .body();
    JsonNode last = null;
    for (String line : stream.split("\n")) {
      if (line.startsWith("data: {") && line.contains("\"usage\":{")) {
        last = JSON.readTree(line.substring(6));
      }
    }
    assertThat(last).as(stream).isNotNull();
    reported +=
        last.path("usage").path("prompt_tokens").asLong()
            + last.path("usage").path("completion_tokens").asLong();
    long expected = reported;
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(bucket("bob", "reserved")).isZero());
    assertThat(bucket("bob", "used")).isEqualTo(expected);
  }

  static long bucket(String client, String field) throws Exception {
    JsonNode usage = JSON.readTree(TollgateRun.get(gateway.metricsUrl() + "/usage", null).body());
    JsonNode quota = BudgetIT.find(usage, "e2e", "budget");
    for (JsonNode bucket : quota.path("buckets")) {
      if (bucket.path("bucket").asText().contains(client)) {
        return Long.parseLong(bucket.path(field).asText());
      }
    }
    throw new AssertionError("no bucket of " + client + " in " + usage.toPrettyString());
  }

  /**
   * Each emulator received only its own model on its own path with its own key, in its own API: no
   * client credential, no other provider's key, no Anthropic header at OpenAI's.
   */
  static void eachProviderReceivedOnlyItsOwn() throws Exception {
    for (ReceivedRequest r : openaiDown.received()) {
      assertOpenAi(r, List.of("gpt-4o"), OPENAI_DOWN_KEY);
    }
    for (ReceivedRequest r : openai.received()) {
      assertOpenAi(r, List.of("gpt-4o-mini", "gpt-4-retired"), OPENAI_KEY);
    }
    for (ReceivedRequest r : sonnet.received()) {
      assertAnthropic(r, List.of("claude-sonnet-4-5", "claude-2-retired"), SONNET_KEY);
    }
    for (ReceivedRequest r : opus.received()) {
      assertAnthropic(r, List.of("claude-opus-4-1-overloaded"), OPUS_KEY);
    }
  }

  static void assertOpenAi(ReceivedRequest r, List<String> models, String key) throws Exception {
    JsonNode body = JSON.readTree(new String(r.body(), StandardCharsets.UTF_8));
    assertThat(r.path()).isEqualTo("/v1/chat/completions");
    assertThat(body.path("model").asText()).isIn(models);
    assertThat(body.has("messages")).isTrue();
    assertThat(body.has("system")).as("no Anthropic field").isFalse();
    assertThat(r.header("authorization")).contains("Bearer " + key);
    assertThat(r.header("x-api-key")).isEmpty();
    assertThat(r.header("anthropic-version")).isEmpty();
    assertThat(r.header("anthropic-beta")).isEmpty();
    assertThat(r.headers())
        .as("what the attempt's filters passed between them stays in the gateway")
        .doesNotContainKeys(Wire.UPSTREAM_MODEL_HEADER, Wire.TRANSLATION_HEADER);
  }

  static void assertAnthropic(ReceivedRequest r, List<String> models, String key) throws Exception {
    JsonNode body = JSON.readTree(new String(r.body(), StandardCharsets.UTF_8));
    assertThat(r.path()).isEqualTo("/v1/messages");
    assertThat(body.path("model").asText()).isIn(models);
    assertThat(body.has("stream_options")).as("no OpenAI field").isFalse();
    assertThat(body.path("max_tokens").asLong()).isPositive();
    assertThat(r.header("x-api-key")).contains(key);
    assertThat(r.header("authorization")).isEmpty();
    // The client's own (the anthropic SDK sends its version), else the provider's: see
    // aMessagesClientsAnthropicHeadersReachOnlyTheAnthropicAttemptsOfAMixedRule.
    assertThat(r.header("anthropic-version")).as("anthropic-version").isPresent();
    assertThat(r.headers())
        .as("what the attempt's filters passed between them stays in the gateway")
        .doesNotContainKeys(Wire.UPSTREAM_MODEL_HEADER, Wire.TRANSLATION_HEADER);
  }
}
