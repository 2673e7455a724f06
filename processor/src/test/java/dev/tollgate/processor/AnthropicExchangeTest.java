package dev.tollgate.processor;

import static dev.tollgate.processor.ProcessorExchangeTest.metadata;
import static dev.tollgate.processor.ProcessorExchangeTest.setHeaders;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.model.Wire;
import dev.tollgate.testkit.MutableClock;
import io.envoyproxy.envoy.service.ext_proc.v3.CommonResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Anthropic's Messages API through the processor: routing, body rules, errors in its shape. */
class AnthropicExchangeTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String KEY = "tg-test-claude-key-0001";

  static final String YAML =
      """
      apiVersion: v1
      kind: Secret
      metadata: {name: claude, namespace: team-c, labels: {tollgate.dev/client-key: "true"}}
      stringData: {apiKey: %s}
      ---
      apiVersion: tollgate.dev/v1alpha1
      kind: ModelProvider
      metadata: {name: anthropic, namespace: team-c}
      spec:
        type: Anthropic
        anthropic: {betas: [prompt-caching-2024-07-31, files-api-2025-04-14]}
        models:
          - name: claude-sonnet-4-5
            contextWindow: 200000
            pricing: {currency: USD, inputPerMillion: "3", outputPerMillion: "15", cachedInputPerMillion: "0.30", cacheWriteInputPerMillion: "3.75"}
          - {name: claude-haiku-4-5, contextWindow: 200000}
      ---
      apiVersion: tollgate.dev/v1alpha1
      kind: ModelProvider
      metadata: {name: openai, namespace: team-c}
      spec:
        type: OpenAI
        endpoint: {url: "https://api.openai.com"}
        models: [{name: gpt-4o-mini}, {name: gpt-4o}]
      ---
      apiVersion: tollgate.dev/v1alpha1
      kind: AIRoute
      metadata: {name: chat, namespace: team-c}
      spec:
        clients: {apiKeys: {secretSelector: {matchLabels: {tollgate.dev/client-key: "true"}}}}
        rules:
          - models: [sonnet]
            backends: [{provider: {name: anthropic}, model: claude-sonnet-4-5}]
          - models: [mini]
            backends: [{provider: {name: openai}, model: gpt-4o-mini}]
          - models: [canary]
            backends:
              - {provider: {name: anthropic}, model: claude-sonnet-4-5, weight: 50}
              - {provider: {name: anthropic}, model: claude-haiku-4-5, weight: 50}
          - models: [mini-canary]
            backends:
              - {provider: {name: openai}, model: gpt-4o-mini, weight: 50}
              - {provider: {name: openai}, model: gpt-4o, weight: 50}
      """
          .formatted(KEY);

  List<String> log;
  ExtProcClient client;

  @BeforeEach
  void start() throws Exception {
    log = new CopyOnWriteArrayList<>();
    Processor processor =
        new Processor(
            ProcessorConfig.defaults(),
            new MutableClock(ProcessorExchangeTest.T0),
            new SimpleMeterRegistry(),
            new GeneratedInputTest.NoKeys(),
            new AccessLog(log::add));
    processor.update(TestModels.build(YAML));
    client = new ExtProcClient(processor);
  }

  @AfterEach
  void stop() {
    client.close();
  }

  static String[] headers(String path, String... extra) {
    String[] base = {
      ":method",
      "POST",
      ":path",
      path,
      "x-request-id",
      "req-a",
      "content-type",
      "application/json",
      "x-api-key",
      KEY,
      "anthropic-version",
      "2023-06-01"
    };
    String[] all = java.util.Arrays.copyOf(base, base.length + extra.length);
    System.arraycopy(extra, 0, all, base.length, extra.length);
    return all;
  }

  static final String MESSAGE =
      "{\"model\":\"sonnet\",\"max_tokens\":100,\"stream\":true,"
          + "\"system\":\"Be brief\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}";

  @Test
  void aMessageGoesToAnthropicWithItsModelAndAllowedBetasAndNoStreamOptions() throws Exception {
    ExtProcClient.Stream s = client.open();
    s.requestHeaders(
        false,
        headers(
            "/v1/messages",
            "anthropic-beta",
            "prompt-caching-2024-07-31, unmetered-2099-01-01,files-api-2025-04-14"));
    ProcessingResponse body = s.requestBody(MESSAGE);
    CommonResponse common = body.getRequestBody().getResponse();
    JsonNode sent = JSON.readTree(common.getBodyMutation().getBody().toStringUtf8());
    assertThat(sent.path("model").asText()).isEqualTo("claude-sonnet-4-5");
    assertThat(sent.has("stream_options")).isFalse();
    assertThat(sent.path("max_tokens").asInt()).isEqualTo(100);
    assertThat(setHeaders(common))
        .containsEntry("anthropic-beta", "prompt-caching-2024-07-31,files-api-2025-04-14")
        .containsEntry(Wire.MODEL_HEADER, "sonnet");
    assertThat(Long.parseLong(metadata(body).get(Wire.RESERVE_TOKENS))).isGreaterThan(100);

    s.responseHeaders(false, ":status", "200", "content-type", "text/event-stream");
    s.responseBody(
        "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\","
            + "\"model\":\"claude-sonnet-4-5\",\"usage\":{\"input_tokens\":10,"
            + "\"cache_creation_input_tokens\":2,\"cache_read_input_tokens\":4,"
            + "\"output_tokens\":1}}}\n\n",
        false);
    ProcessingResponse last =
        s.responseBody(
            "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":"
                + "{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":7}}\n\n"
                + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n",
            true);
    // Cache reads and writes are priced at their own prices: (10 × 3 + 4 × 0.30 + 2 × 3.75 +
    // 7 × 15) per million.
    assertThat(metadata(last))
        .containsEntry(Wire.INPUT_TOKENS, "16")
        .containsEntry(Wire.CACHED_INPUT_TOKENS, "4")
        .containsEntry(Wire.CACHE_WRITE_INPUT_TOKENS, "2")
        .containsEntry(Wire.OUTPUT_TOKENS, "7")
        .containsEntry(Wire.PROVIDER, "team-c/anthropic")
        .containsEntry("cost", "0.0001437");
    s.complete();
  }

  @Test
  void theSdksBetaQueryIsDroppedFromThePathAndNothingElse() throws Exception {
    ProcessingResponse beta =
        client.open().requestHeaders(false, headers("/v1/messages?beta=true"));
    assertThat(setHeaders(beta.getRequestHeaders().getResponse()))
        .containsEntry(":path", "/v1/messages");
    ProcessingResponse other =
        client.open().requestHeaders(false, headers("/v1/messages?beta=true&x=1"));
    assertThat(setHeaders(other.getRequestHeaders().getResponse())).doesNotContainKey(":path");
  }

  @Test
  void betasNoneAllowsAreRemoved() throws Exception {
    ExtProcClient.Stream s = client.open();
    s.requestHeaders(false, headers("/v1/messages", "anthropic-beta", "computer-use-2025-01-24"));
    CommonResponse common = s.requestBody(MESSAGE).getRequestBody().getResponse();
    assertThat(common.getHeaderMutation().getRemoveHeadersList()).contains("anthropic-beta");
    assertThat(setHeaders(common)).doesNotContainKey("anthropic-beta");
  }

  /** A chat client's anthropic-beta to an Anthropic backend is cut to the allowed betas too. */
  @Test
  void aChatClientsBetasToAnAnthropicBackendAreCutToTheAllowedOnes() throws Exception {
    ExtProcClient.Stream s = client.open();
    s.requestHeaders(
        false,
        headers(
            "/v1/chat/completions",
            "anthropic-beta",
            "computer-use-2025-01-24,prompt-caching-2024-07-31"));
    CommonResponse common =
        s.requestBody(
                "{\"model\":\"sonnet\",\"max_tokens\":100,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}")
            .getRequestBody()
            .getResponse();
    assertThat(setHeaders(common)).containsEntry("anthropic-beta", "prompt-caching-2024-07-31");
  }

  @Test
  void countTokensReservesAndChargesNothing() throws Exception {
    ExtProcClient.Stream s = client.open();
    s.requestHeaders(false, headers("/v1/messages/count_tokens"));
    ProcessingResponse body =
        s.requestBody(
            "{\"model\":\"sonnet\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}");
    assertThat(metadata(body))
        .containsEntry(Wire.RESERVE_TOKENS, "0")
        .containsEntry(Wire.INPUT_TOKENS, "0");
    s.responseHeaders(false, ":status", "200", "content-type", "application/json");
    ProcessingResponse last = s.responseBody("{\"input_tokens\":12}", true);
    assertThat(metadata(last))
        .containsEntry(Wire.INPUT_TOKENS, "0")
        .containsEntry(Wire.OUTPUT_TOKENS, "0");
    s.complete();
  }

  @Test
  void refusalsTakeAnthropicsShape() throws Exception {
    ProcessingResponse noMax =
        refusal(
            "/v1/messages",
            "{\"model\":\"sonnet\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
    assertThat(noMax.getImmediateResponse().getStatus().getCodeValue()).isEqualTo(400);
    assertThat(noMax.getImmediateResponse().getBody().toStringUtf8())
        .isEqualTo(
            "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\","
                + "\"message\":\"max_tokens: Field required\"}}");

    ProcessingResponse unknown =
        refusal(
            "/v1/messages",
            "{\"model\":\"opus\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
    assertThat(unknown.getImmediateResponse().getStatus().getCodeValue()).isEqualTo(404);
    assertThat(unknown.getImmediateResponse().getBody().toStringUtf8())
        .startsWith("{\"type\":\"error\",\"error\":{\"type\":\"not_found_error\"");

    // Legacy completions to an Anthropic model: refused in OpenAI's shape, naming the right call.
    ProcessingResponse completion =
        refusal("/v1/completions", "{\"model\":\"sonnet\",\"prompt\":\"Hi\"}");
    assertThat(completion.getImmediateResponse().getStatus().getCodeValue()).isEqualTo(400);
    JsonNode error = JSON.readTree(completion.getImmediateResponse().getBody().toStringUtf8());
    assertThat(error.path("error").path("code").asText()).isEqualTo("unsupported_api");
    assertThat(error.path("error").path("message").asText()).contains("POST /v1/messages");

    // What Anthropic cannot express faithfully is refused, naming the field.
    ProcessingResponse seed =
        refusal(
            "/v1/chat/completions",
            "{\"model\":\"sonnet\",\"seed\":7,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
    assertThat(seed.getImmediateResponse().getStatus().getCodeValue()).isEqualTo(400);
    JsonNode untranslatable = JSON.readTree(seed.getImmediateResponse().getBody().toStringUtf8());
    assertThat(untranslatable.path("error").path("code").asText())
        .isEqualTo("untranslatable_request");
    assertThat(untranslatable.path("error").path("param").asText()).isEqualTo("seed");

    ProcessingResponse noKey =
        client.open().requestHeaders(false, ":method", "POST", ":path", "/v1/messages");
    assertThat(noKey.getImmediateResponse().getStatus().getCodeValue()).isEqualTo(401);
    assertThat(noKey.getImmediateResponse().getBody().toStringUtf8())
        .startsWith("{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\"");
  }

  @Test
  void envoysAndProvidersErrorsAreRewrittenIntoAnthropicsShape() throws Exception {
    ExtProcClient.Stream s = client.open();
    s.requestHeaders(false, headers("/v1/messages"));
    s.requestBody(MESSAGE);
    s.responseHeaders(false, ":status", "429", "content-type", "application/json");
    ProcessingResponse last =
        s.responseBody(
            "{\"error\":{\"message\":\"Budget exceeded.\",\"type\":\"rate_limit_exceeded\","
                + "\"param\":null,\"code\":\"rate_limit_exceeded\"}}",
            true);
    assertThat(last.getResponseBody().getResponse().getBodyMutation().getBody().toStringUtf8())
        .isEqualTo(
            "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\","
                + "\"message\":\"Budget exceeded.\"}}");
    s.complete();

    // Anthropic's own errors pass as they came.
    String anthropic =
        "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"},"
            + "\"request_id\":\"req_1\"}";
    ExtProcClient.Stream t = client.open();
    t.requestHeaders(false, headers("/v1/messages"));
    t.requestBody(MESSAGE);
    t.responseHeaders(false, ":status", "529", "content-type", "application/json");
    ProcessingResponse passed = t.responseBody(anthropic, true);
    assertThat(passed.getResponseBody().getResponse().getBodyMutation().getBody().toStringUtf8())
        .isEqualTo(anthropic);
    t.complete();
  }

  /**
   * Rules splitting across two models (Claude; OpenAI for translated Messages): the native body and
   * each translated body carry the requested name and the span of its string in the bytes sent, for
   * Envoy's upstream model filter to write each attempt's model.
   */
  @Test
  void aSplitAcrossClaudeModelsMarksTheModelSpanOfTheBodySent() throws Exception {
    String[][] calls = {
      {
        "/v1/messages",
        "{\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"\u00e9t\u00e9\"}],"
            + "\"model\" : \"canary\"}"
      },
      {
        "/v1/chat/completions",
        "{\"messages\":[{\"role\":\"system\",\"content\":\"Be \\\"model\\\" brief\"},"
            + "{\"role\":\"user\",\"content\":\"Hello\"}],\"max_tokens\":10,\"model\":\"canary\"}"
      },
      {
        "/v1/messages",
        "{\"system\":\"Be brief\",\"max_tokens\":10,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"model\":\"mini-canary\"}"
      }
    };
    for (String[] call : calls) {
      ExtProcClient.Stream s = client.open();
      s.requestHeaders(false, headers(call[0]));
      ProcessingResponse answer = s.requestBody(call[1]);
      CommonResponse common = answer.getRequestBody().getResponse();
      byte[] sent =
          common.hasBodyMutation()
              ? common.getBodyMutation().getBody().toByteArray()
              : call[1].getBytes(java.nio.charset.StandardCharsets.UTF_8);
      String requested = JSON.readTree(call[1]).path("model").asText();
      assertThat(JSON.readTree(sent).path("model").asText()).as(call[0]).isEqualTo(requested);
      assertThat(setHeaders(common)).doesNotContainKey(Wire.MODEL_SPAN_HEADER);
      String[] span = metadata(answer).get(Wire.MODEL_SPAN).split(",");
      int start = Integer.parseInt(span[0]);
      int end = Integer.parseInt(span[1]);
      assertThat(new String(sent, start, end - start, java.nio.charset.StandardCharsets.UTF_8))
          .as(call[0])
          .isEqualTo("\"" + requested + "\"");
    }
  }

  @Test
  void chatCompletionsToAnAnthropicRuleAreTranslatedBothWays() throws Exception {
    ExtProcClient.Stream s = client.open();
    s.requestHeaders(
        false,
        ":method",
        "POST",
        ":path",
        "/v1/chat/completions",
        "x-request-id",
        "req-t",
        "content-type",
        "application/json",
        "authorization",
        "Bearer " + KEY);
    ProcessingResponse body =
        s.requestBody(
            "{\"model\":\"sonnet\",\"max_tokens\":50,\"messages\":["
                + "{\"role\":\"system\",\"content\":\"Be brief\"},"
                + "{\"role\":\"user\",\"content\":\"Hello\"}]}");
    CommonResponse common = body.getRequestBody().getResponse();
    String sent = common.getBodyMutation().getBody().toStringUtf8();
    JsonNode upstream = JSON.readTree(sent);
    assertThat(upstream.path("model").asText()).isEqualTo("claude-sonnet-4-5");
    assertThat(upstream.path("max_tokens").asInt()).isEqualTo(50);
    assertThat(upstream.path("system").toString()).contains("Be brief");
    assertThat(setHeaders(common))
        .containsEntry(":path", "/v1/messages")
        .containsEntry("content-length", Integer.toString(sent.length()));

    s.responseHeaders(
        false, ":status", "200", "content-type", "application/json", "content-length", "300");
    s.responseBody("{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",", false);
    ProcessingResponse last =
        s.responseBody(
            "\"model\":\"claude-sonnet-4-5\",\"content\":[{\"type\":\"text\",\"text\":\"Hi!\"}],"
                + "\"stop_reason\":\"end_turn\",\"stop_sequence\":null,\"usage\":"
                + "{\"input_tokens\":9,\"cache_creation_input_tokens\":0,"
                + "\"cache_read_input_tokens\":0,\"output_tokens\":3}}",
            true);
    JsonNode completion =
        JSON.readTree(
            last.getResponseBody().getResponse().getBodyMutation().getBody().toStringUtf8());
    assertThat(completion.path("object").asText()).isEqualTo("chat.completion");
    assertThat(completion.path("choices").get(0).path("message").path("content").asText())
        .isEqualTo("Hi!");
    assertThat(completion.path("choices").get(0).path("finish_reason").asText()).isEqualTo("stop");
    assertThat(completion.path("usage").path("prompt_tokens").asInt()).isEqualTo(9);
    assertThat(metadata(last))
        .containsEntry(Wire.INPUT_TOKENS, "9")
        .containsEntry(Wire.OUTPUT_TOKENS, "3");
    s.complete();
  }

  @Test
  void messagesToAnOpenAiRuleAreTranslatedAndCountTokensIsAnsweredByTheGateway() throws Exception {
    ExtProcClient.Stream s = client.open();
    s.requestHeaders(false, headers("/v1/messages"));
    CommonResponse common =
        s.requestBody(
                "{\"model\":\"mini\",\"max_tokens\":20,\"stream\":true,\"system\":\"Be brief\","
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}")
            .getRequestBody()
            .getResponse();
    JsonNode sent = JSON.readTree(common.getBodyMutation().getBody().toStringUtf8());
    assertThat(sent.path("model").asText()).isEqualTo("gpt-4o-mini");
    assertThat(sent.path("messages").get(0).path("role").asText()).isEqualTo("system");
    assertThat(sent.path("max_completion_tokens").asInt()).isEqualTo(20);
    assertThat(sent.path("stream_options").path("include_usage").asBoolean()).isTrue();
    assertThat(setHeaders(common)).containsEntry(":path", "/v1/chat/completions");

    s.responseHeaders(false, ":status", "200", "content-type", "text/event-stream");
    ProcessingResponse last =
        s.responseBody(
            "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini\","
                + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hey\"},"
                + "\"finish_reason\":null}]}\n\n"
                + "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini\","
                + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
                + "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini\","
                + "\"choices\":[],\"usage\":{\"prompt_tokens\":8,\"completion_tokens\":2,"
                + "\"total_tokens\":10}}\n\ndata: [DONE]\n\n",
            true);
    String events = last.getResponseBody().getResponse().getBodyMutation().getBody().toStringUtf8();
    assertThat(events)
        .startsWith("event: message_start\n")
        .contains("\"text\":\"Hey\"")
        .contains("event: message_stop\n");
    assertThat(metadata(last))
        .containsEntry(Wire.INPUT_TOKENS, "8")
        .containsEntry(Wire.OUTPUT_TOKENS, "2");
    s.complete();

    ProcessingResponse count =
        refusal(
            "/v1/messages/count_tokens",
            "{\"model\":\"mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello there\"}]}");
    assertThat(count.getImmediateResponse().getStatus().getCodeValue()).isEqualTo(200);
    assertThat(
            JSON.readTree(count.getImmediateResponse().getBody().toStringUtf8())
                .path("input_tokens")
                .asInt())
        .isPositive();
  }

  private ProcessingResponse refusal(String path, String body) throws Exception {
    ExtProcClient.Stream s = client.open();
    s.requestHeaders(false, headers(path));
    return s.requestBody(body);
  }
}
