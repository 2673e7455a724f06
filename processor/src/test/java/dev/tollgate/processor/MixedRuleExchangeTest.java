package dev.tollgate.processor;

import static dev.tollgate.processor.ProcessorExchangeTest.metadata;
import static dev.tollgate.processor.ProcessorExchangeTest.setHeaders;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.model.Wire;
import dev.tollgate.testkit.MutableClock;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode;
import io.envoyproxy.envoy.service.ext_proc.v3.CommonResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Rules whose backends speak both APIs: the client's body goes as it is, marked with its API; the
 * answer is translated back only when the provider that served speaks the other API, errors
 * included, and usage is read from the provider's own bytes.
 */
class MixedRuleExchangeTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String KEY = "tg-test-mixed-key-00001";

  static final String YAML =
      """
      apiVersion: v1
      kind: Secret
      metadata: {name: team, namespace: team-m, labels: {tollgate.dev/client-key: "true"}}
      stringData: {apiKey: %s}
      ---
      apiVersion: tollgate.dev/v1alpha1
      kind: ModelProvider
      metadata: {name: anthropic, namespace: team-m}
      spec:
        type: Anthropic
        anthropic: {betas: [prompt-caching-2024-07-31]}
        models:
          - name: claude-sonnet-4-5
            pricing: {currency: USD, inputPerMillion: "3", outputPerMillion: "15", cachedInputPerMillion: "0.30", cacheWriteInputPerMillion: "3.75"}
      ---
      apiVersion: tollgate.dev/v1alpha1
      kind: ModelProvider
      metadata: {name: openai, namespace: team-m}
      spec:
        type: OpenAI
        endpoint: {url: "https://api.openai.com"}
        models: [{name: gpt-4o}]
      ---
      apiVersion: tollgate.dev/v1alpha1
      kind: AIRoute
      metadata: {name: chat, namespace: team-m}
      spec:
        clients: {apiKeys: {secretSelector: {matchLabels: {tollgate.dev/client-key: "true"}}}}
        rules:
          - models: [smart]
            backends:
              - {provider: {name: openai}, model: gpt-4o, priority: 0}
              - {provider: {name: anthropic}, model: claude-sonnet-4-5, priority: 1}
      """
          .formatted(KEY);

  static final String CHAT =
      "{\"model\":\"smart\",\"max_tokens\":50,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
  static final String MESSAGE =
      "{\"model\":\"smart\",\"max_tokens\":50,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
  static final String ANTHROPIC_MESSAGE =
      "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\","
          + "\"content\":[{\"type\":\"text\",\"text\":\"Hello!\"}],\"stop_reason\":\"end_turn\","
          + "\"stop_sequence\":null,\"usage\":{\"input_tokens\":7,\"cache_creation_input_tokens\":4,"
          + "\"cache_read_input_tokens\":5,\"output_tokens\":3}}";

  ExtProcClient client;
  SimpleMeterRegistry registry;

  @BeforeEach
  void start() throws Exception {
    registry = new SimpleMeterRegistry();
    Processor processor =
        new Processor(
            ProcessorConfig.defaults(),
            new MutableClock(ProcessorExchangeTest.T0),
            registry,
            new GeneratedInputTest.NoKeys(),
            new AccessLog(line -> {}));
    processor.update(TestModels.build(YAML));
    client = new ExtProcClient(processor);
  }

  @AfterEach
  void stop() {
    client.close();
  }

  static String[] headers(String path) {
    return new String[] {
      ":method",
      "POST",
      ":path",
      path,
      "x-request-id",
      "req-m",
      "content-type",
      "application/json",
      "authorization",
      "Bearer " + KEY
    };
  }

  private ExtProcClient.Stream send(String path, String body, String clientApi) throws Exception {
    ExtProcClient.Stream s = client.open();
    s.requestHeaders(false, headers(path));
    ProcessingResponse answer = s.requestBody(body);
    CommonResponse common = answer.getRequestBody().getResponse();
    String sent =
        common.hasBodyMutation() ? common.getBodyMutation().getBody().toStringUtf8() : body;
    // The client's API, in the metadata every attempt reads (no header: it would reach the
    // provider), and the client's body as it sent it (its own output cap aside).
    assertThat(metadata(answer)).containsEntry(Wire.CLIENT_API, clientApi);
    assertThat(setHeaders(common))
        .doesNotContainKeys(Wire.MODEL_SPAN_HEADER, "x-tollgate-client-api");
    assertThat(setHeaders(common)).doesNotContainKey(":path");
    assertThat(JSON.readTree(sent).path("messages").get(0).path("content").asText())
        .isEqualTo("Hi");
    return s;
  }

  @Test
  void aChatCallAnsweredByTheOpenAiProviderPassesAsItCame() throws Exception {
    ExtProcClient.Stream s = send("/v1/chat/completions", CHAT, Wire.API_OPENAI);
    ProcessingResponse headers =
        s.responseHeaders(
            false,
            ":status",
            "200",
            "content-type",
            "application/json",
            Wire.PROVIDER_HEADER,
            "team-m/openai");
    assertThat(headers.hasModeOverride()).isFalse();
    String completion =
        "{\"id\":\"c1\",\"object\":\"chat.completion\",\"model\":\"gpt-4o\",\"choices\":[],"
            + "\"usage\":{\"prompt_tokens\":6,\"completion_tokens\":2,\"total_tokens\":8}}";
    ProcessingResponse last = s.responseBody(completion, true);
    assertThat(last.getResponseBody().getResponse().hasBodyMutation()).isFalse();
    assertThat(metadata(last)).containsEntry(Wire.INPUT_TOKENS, "6");
    s.complete();
  }

  @Test
  void aChatCallAnsweredByTheAnthropicFallbackIsTranslatedWithItsCacheTokensExact()
      throws Exception {
    ExtProcClient.Stream s = send("/v1/chat/completions", CHAT, Wire.API_OPENAI);
    ProcessingResponse headers =
        s.responseHeaders(
            false,
            ":status",
            "200",
            "content-type",
            "application/json",
            "content-length",
            "400",
            Wire.PROVIDER_HEADER,
            "team-m/anthropic");
    assertThat(headers.getModeOverride().getResponseBodyMode())
        .isEqualTo(ProcessingMode.BodySendMode.BUFFERED);
    assertThat(
            headers.getResponseHeaders().getResponse().getHeaderMutation().getRemoveHeadersList())
        .contains("content-length");
    ProcessingResponse last = s.responseBody(ANTHROPIC_MESSAGE, true);
    JsonNode completion =
        JSON.readTree(
            last.getResponseBody().getResponse().getBodyMutation().getBody().toStringUtf8());
    assertThat(completion.path("object").asText()).isEqualTo("chat.completion");
    assertThat(completion.path("choices").get(0).path("message").path("content").asText())
        .isEqualTo("Hello!");
    assertThat(completion.path("usage").path("prompt_tokens").asInt()).isEqualTo(16);
    // Read from Anthropic's own bytes: the cache write OpenAI's usage cannot say is kept.
    assertThat(metadata(last))
        .containsEntry(Wire.INPUT_TOKENS, "16")
        .containsEntry(Wire.CACHED_INPUT_TOKENS, "5")
        .containsEntry(Wire.CACHE_WRITE_INPUT_TOKENS, "4")
        .containsEntry(Wire.OUTPUT_TOKENS, "3");
    s.complete();
  }

  @Test
  void anAnthropicErrorReachesAnOpenAiClientInOpenAisShapeWithItsStatus() throws Exception {
    ExtProcClient.Stream s = send("/v1/chat/completions", CHAT, Wire.API_OPENAI);
    s.responseHeaders(
        false,
        ":status",
        "429",
        "content-type",
        "application/json",
        Wire.PROVIDER_HEADER,
        "team-m/anthropic");
    ProcessingResponse last =
        s.responseBody(
            "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\","
                + "\"message\":\"Number of requests has exceeded your rate limit.\"}}",
            true);
    JsonNode error =
        JSON.readTree(
            last.getResponseBody().getResponse().getBodyMutation().getBody().toStringUtf8());
    assertThat(error.has("type")).isFalse();
    assertThat(error.path("error").path("message").asText())
        .isEqualTo("Number of requests has exceeded your rate limit.");
    assertThat(error.path("error").path("type").asText()).isEqualTo("rate_limit_exceeded");
    assertThat(last.getResponseBody().getResponse().hasHeaderMutation()).isFalse();
    s.complete();
  }

  @Test
  void aTwoHundredThatIsNotAMessageBecomesA502InTheClientsShape() throws Exception {
    ExtProcClient.Stream s = send("/v1/chat/completions", CHAT, Wire.API_OPENAI);
    s.responseHeaders(
        false,
        ":status",
        "200",
        "content-type",
        "application/json",
        Wire.PROVIDER_HEADER,
        "team-m/anthropic");
    ProcessingResponse last = s.responseBody("{\"status\":\"ok\"}", true);
    CommonResponse common = last.getResponseBody().getResponse();
    assertThat(setHeaders(common)).containsEntry(":status", "502");
    JsonNode error = JSON.readTree(common.getBodyMutation().getBody().toStringUtf8());
    assertThat(error.path("error").path("code").asText()).isEqualTo("untranslatable_response");
    // Nothing was generated: nothing is charged beyond what an error charges.
    assertThat(metadata(last)).containsEntry(Wire.OUTPUT_TOKENS, "0");
    s.complete();
  }

  @Test
  void aStreamAnsweredWithATwoHundredThatIsNotAnEventStreamBecomesA502() throws Exception {
    String stream = MESSAGE.replace("\"max_tokens\"", "\"stream\":true,\"max_tokens\"");
    for (String[] answer :
        new String[][] {
          {"application/json", "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\"}"},
          {"text/html", "<html>maintenance</html>"}
        }) {
      ExtProcClient.Stream s = send("/v1/messages", stream, Wire.API_ANTHROPIC);
      ProcessingResponse headers =
          s.responseHeaders(
              false,
              ":status",
              "200",
              "content-type",
              answer[0],
              Wire.PROVIDER_HEADER,
              "team-m/openai");
      assertThat(headers.getModeOverride().getResponseBodyMode())
          .as("%s is held whole before its status leaves", answer[0])
          .isEqualTo(ProcessingMode.BodySendMode.BUFFERED);
      ProcessingResponse last = s.responseBody(answer[1], true);
      CommonResponse common = last.getResponseBody().getResponse();
      assertThat(setHeaders(common)).as(answer[0]).containsEntry(":status", "502");
      JsonNode error = JSON.readTree(common.getBodyMutation().getBody().toStringUtf8());
      assertThat(error.path("type").asText()).as("Anthropic's error shape").isEqualTo("error");
      assertThat(error.path("error").path("message").asText()).contains("not an event stream");
      s.complete();
    }
  }

  @Test
  void aMessagesCallAnsweredByTheOpenAiProviderIsTranslatedAsAStream() throws Exception {
    ExtProcClient.Stream s =
        send(
            "/v1/messages",
            MESSAGE.replace("\"max_tokens\"", "\"stream\":true,\"max_tokens\""),
            Wire.API_ANTHROPIC);
    s.responseHeaders(
        false,
        ":status",
        "200",
        "content-type",
        "text/event-stream",
        Wire.PROVIDER_HEADER,
        "team-m/openai");
    ProcessingResponse last =
        s.responseBody(
            "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o\","
                + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hey\"},"
                + "\"finish_reason\":null}]}\n\n"
                + "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o\","
                + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
                + "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o\","
                + "\"choices\":[],\"usage\":{\"prompt_tokens\":8,\"completion_tokens\":2,"
                + "\"total_tokens\":10}}\n\ndata: [DONE]\n\n",
            true);
    String events = last.getResponseBody().getResponse().getBodyMutation().getBody().toStringUtf8();
    assertThat(events).startsWith("event: message_start\n").contains("event: message_stop\n");
    assertThat(metadata(last))
        .containsEntry(Wire.INPUT_TOKENS, "8")
        .containsEntry(Wire.OUTPUT_TOKENS, "2");
    s.complete();
  }

  /**
   * A Messages client's {@code anthropic-version} and allowed betas go into the metadata, from
   * which the rule's fallback cluster gives them to Anthropic attempts only: its header edits
   * persist into the next attempt, so an OpenAI attempt first would otherwise lose them for the
   * fallback.
   */
  @Test
  void aMessagesClientsAnthropicHeadersAreKeptForTheAnthropicAttempts() throws Exception {
    ExtProcClient.Stream s = client.open();
    String[] base = headers("/v1/messages");
    String[] withAnthropic = java.util.Arrays.copyOf(base, base.length + 4);
    withAnthropic[base.length] = "anthropic-version";
    withAnthropic[base.length + 1] = "2023-01-01";
    withAnthropic[base.length + 2] = "anthropic-beta";
    withAnthropic[base.length + 3] = "files-api-2025-04-14, prompt-caching-2024-07-31";
    s.requestHeaders(false, withAnthropic);
    ProcessingResponse answer = s.requestBody(MESSAGE);
    assertThat(metadata(answer))
        .containsEntry(Wire.CLIENT_API, Wire.API_ANTHROPIC)
        .containsEntry(Wire.CLIENT_ANTHROPIC_VERSION, "2023-01-01")
        .containsEntry(Wire.CLIENT_ANTHROPIC_BETA, "prompt-caching-2024-07-31");
    // The header itself is cut too, for the rule's provider clusters of a split.
    assertThat(setHeaders(answer.getRequestBody().getResponse()))
        .containsEntry("anthropic-beta", "prompt-caching-2024-07-31");

    ExtProcClient.Stream none = client.open();
    none.requestHeaders(false, headers("/v1/messages"));
    assertThat(metadata(none.requestBody(MESSAGE)))
        .doesNotContainKeys(Wire.CLIENT_ANTHROPIC_VERSION, Wire.CLIENT_ANTHROPIC_BETA);
  }

  @Test
  void whatTheOtherApiCannotSayIsRefusedBeforeAnyAttempt() throws Exception {
    ExtProcClient.Stream s = client.open();
    s.requestHeaders(false, headers("/v1/chat/completions"));
    ProcessingResponse refused =
        s.requestBody(CHAT.replace("\"max_tokens\"", "\"seed\":7,\"max_tokens\""));
    assertThat(refused.getImmediateResponse().getStatus().getCodeValue()).isEqualTo(400);
    JsonNode error = JSON.readTree(refused.getImmediateResponse().getBody().toStringUtf8());
    assertThat(error.path("error").path("code").asText()).isEqualTo("untranslatable_request");
    assertThat(error.path("error").path("param").asText()).isEqualTo("seed");
  }

  /** The upstream side: one attempt's translation, as the translating cluster's filter asks it. */
  @Test
  void anAttemptIsTranslatedForItsBackendBehindTheProvidersPath() throws Exception {
    ExtProcClient.Stream a = client.openAttempt();
    a.requestHeaders(
        false,
        ":method",
        "POST",
        ":path",
        "/base/v1/chat/completions",
        Wire.TRANSLATION_HEADER,
        Wire.OPENAI_TO_ANTHROPIC,
        Wire.UPSTREAM_MODEL_HEADER,
        "claude-sonnet-4-5");
    CommonResponse common = a.requestBody(CHAT).getRequestBody().getResponse();
    String sent = common.getBodyMutation().getBody().toStringUtf8();
    JsonNode body = JSON.readTree(sent);
    assertThat(body.path("model").asText()).isEqualTo("claude-sonnet-4-5");
    assertThat(body.path("max_tokens").asInt()).isEqualTo(50);
    assertThat(setHeaders(common))
        .containsEntry(":path", "/base/v1/messages")
        .containsEntry(
            "content-length", Integer.toString(sent.getBytes(StandardCharsets.UTF_8).length));
    assertThat(common.getHeaderMutation().getRemoveHeadersList())
        .containsExactly(Wire.TRANSLATION_HEADER);
    a.complete();

    ExtProcClient.Stream b = client.openAttempt();
    b.requestHeaders(
        false,
        ":path",
        "/openai/deployments/gpt4o/messages?api-version=2024-10-21",
        Wire.TRANSLATION_HEADER,
        Wire.ANTHROPIC_TO_OPENAI,
        Wire.UPSTREAM_MODEL_HEADER,
        "gpt-4o");
    CommonResponse toAzure = b.requestBody(MESSAGE).getRequestBody().getResponse();
    assertThat(setHeaders(toAzure))
        .containsEntry(
            ":path", "/openai/deployments/gpt4o/chat/completions?api-version=2024-10-21");
    // The fallback cluster gave the attempt the client's Anthropic headers; OpenAI gets neither.
    assertThat(toAzure.getHeaderMutation().getRemoveHeadersList())
        .containsExactlyInAnyOrder(Wire.TRANSLATION_HEADER, "anthropic-version", "anthropic-beta");
    JsonNode chat = JSON.readTree(toAzure.getBodyMutation().getBody().toStringUtf8());
    assertThat(chat.path("model").asText()).isEqualTo("gpt-4o");
    assertThat(chat.path("max_tokens").asInt()).isEqualTo(50);
    b.complete();
    assertThat(attempts("absent")).isEqualTo(2);
    assertThat(attempts("present")).isZero();

    // Envoy withholds keys from this filter; one that reached it would be counted (name only).
    ExtProcClient.Stream c = client.openAttempt();
    c.requestHeaders(
        false,
        ":path",
        "/v1/chat/completions",
        "x-api-key",
        "sk-ant-should-not-be-here",
        Wire.TRANSLATION_HEADER,
        Wire.OPENAI_TO_ANTHROPIC,
        Wire.UPSTREAM_MODEL_HEADER,
        "claude-sonnet-4-5");
    c.requestBody(CHAT);
    c.complete();
    assertThat(attempts("present")).isEqualTo(1);
  }

  private double attempts(String credentials) {
    return registry
        .get(AttemptMetrics.ATTEMPTS)
        .tag("tollgate.credential_headers", credentials)
        .counter()
        .count();
  }

  /** A client's request never reaches the attempt translator: only gRPC metadata selects it. */
  @Test
  void aClientsTranslationHeaderDoesNotSkipAuthentication() throws Exception {
    ExtProcClient.Stream s = client.open();
    ProcessingResponse refused =
        s.requestHeaders(
            false,
            ":method",
            "POST",
            ":path",
            "/v1/chat/completions",
            Wire.TRANSLATION_HEADER,
            Wire.OPENAI_TO_ANTHROPIC);
    assertThat(refused.getImmediateResponse().getStatus().getCodeValue()).isEqualTo(401);
  }
}
