package dev.tollgate.processor;

import static dev.tollgate.processor.ProcessorExchangeTest.metadata;
import static dev.tollgate.processor.ProcessorExchangeTest.o200k;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.model.Wire;
import dev.tollgate.testkit.FakeUpstream;
import io.envoyproxy.envoy.service.ext_proc.v3.ImmediateResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /v1/responses} through the processor: the body rules (estimate from {@code input} and
 * {@code instructions}, {@code max_output_tokens}, refused fields and backends) and the usage of
 * OpenAI's JSON answer and event stream.
 */
class ResponsesApiTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String KEY = "tg-test-alice-key-0001";

  static final String MODEL =
      """
      apiVersion: v1
      kind: Secret
      metadata: {name: alice, namespace: team-a, labels: {tollgate.dev/client-key: "true"}}
      stringData: {apiKey: %s}
      ---
      apiVersion: v1
      kind: Secret
      metadata: {name: upstream-key, namespace: team-a}
      stringData: {apiKey: sk-upstream-secret}
      ---
      apiVersion: tollgate.dev/v1alpha1
      kind: ModelProvider
      metadata: {name: openai, namespace: team-a}
      spec:
        type: OpenAI
        endpoint: {url: "http://127.0.0.1:9"}
        credentials: {name: upstream-key}
        models:
          - name: gpt-4.1
            contextWindow: 1000000
            pricing: {currency: USD, inputPerMillion: "2", outputPerMillion: "8", cachedInputPerMillion: "0.5"}
      ---
      apiVersion: tollgate.dev/v1alpha1
      kind: ModelProvider
      metadata: {name: local, namespace: team-a}
      spec:
        type: OpenAICompatible
        endpoint: {url: "http://127.0.0.1:9"}
        models: [{name: llama}]
      ---
      apiVersion: tollgate.dev/v1alpha1
      kind: ModelProvider
      metadata: {name: azure, namespace: team-a}
      spec:
        type: AzureOpenAI
        endpoint: {url: "http://127.0.0.1:9"}
        azure: {apiVersion: "2024-10-21"}
        credentials: {name: upstream-key}
        models: [{name: gpt-4o, deployment: gpt-4o-eu}]
      ---
      apiVersion: tollgate.dev/v1alpha1
      kind: ModelProvider
      metadata: {name: claude, namespace: team-a}
      spec:
        type: Anthropic
        endpoint: {url: "http://127.0.0.1:9"}
        credentials: {name: upstream-key}
        models: [{name: claude-sonnet-4-5}]
      ---
      apiVersion: tollgate.dev/v1alpha1
      kind: AIRoute
      metadata: {name: agents, namespace: team-a}
      spec:
        clients: {apiKeys: {secretSelector: {matchLabels: {tollgate.dev/client-key: "true"}}}}
        rules:
          - models: [codex]
            backends: [{provider: {name: openai}, model: gpt-4.1}]
          - models: [llama]
            backends: [{provider: {name: local}, model: llama}]
          - models: [eu]
            backends:
              - {provider: {name: openai}, model: gpt-4.1, priority: 0}
              - {provider: {name: azure}, model: gpt-4o, priority: 1}
          - models: [eu-only]
            backends: [{provider: {name: azure}, model: gpt-4o}]
          - models: [claude]
            backends: [{provider: {name: claude}, model: claude-sonnet-4-5}]
      """
          .formatted(KEY);

  List<String> log;
  ExtProcClient client;

  @BeforeEach
  void start() throws Exception {
    log = new CopyOnWriteArrayList<>();
    client = TestModels.client(TestModels.build(MODEL), log);
  }

  @AfterEach
  void stop() {
    client.close();
  }

  ExtProcClient.Stream open() throws Exception {
    ExtProcClient.Stream s = client.open();
    s.requestHeaders(
        false,
        ":method",
        "POST",
        ":path",
        "/v1/responses",
        "x-request-id",
        "resp-1",
        "content-type",
        "application/json",
        "authorization",
        "Bearer " + KEY);
    return s;
  }

  static JsonNode sent(ProcessingResponse body) throws Exception {
    return JSON.readTree(
        body.getRequestBody().getResponse().getBodyMutation().getBody().toStringUtf8());
  }

  static JsonNode error(ImmediateResponse r) throws Exception {
    return JSON.readTree(r.getBody().toStringUtf8()).path("error");
  }

  @Test
  void aResponseIsEstimatedFromInstructionsAndInputCappedWithMaxOutputTokensAndCommittedAsReported()
      throws Exception {
    ExtProcClient.Stream s = open();
    ProcessingResponse body =
        s.requestBody(
            "{\"model\":\"codex\",\"instructions\":\"Be brief.\","
                + "\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"Tell me a story.\"}]}]}");
    JsonNode sent = sent(body);
    assertThat(sent.path("model").asText()).isEqualTo("gpt-4.1");
    assertThat(sent.path("max_output_tokens").asLong()).isEqualTo(4096);
    assertThat(sent.has("max_tokens")).isFalse();
    assertThat(sent.has("stream_options")).isFalse();
    long estimate = o200k("Be brief.\nTell me a story.\n") + 3 + 3;
    assertThat(metadata(body)).containsEntry(Wire.RESERVE_TOKENS, Long.toString(estimate + 4096));

    s.responseHeaders(false, ":status", "200", "content-type", "application/json");
    String answer = FakeUpstream.responsesAnswer("response.json");
    s.responseBody(answer.substring(0, 300), false);
    ProcessingResponse last = s.responseBody(answer.substring(300), true);
    assertThat(metadata(last))
        .containsEntry(Wire.INPUT_TOKENS, "36")
        .containsEntry(Wire.CACHED_INPUT_TOKENS, "0")
        .containsEntry(Wire.OUTPUT_TOKENS, "87")
        .containsEntry(Wire.PROVIDER, "team-a/openai")
        // 36 × 2 + 87 × 8 per million.
        .containsEntry("cost", "0.000768");
    s.complete();
    JsonNode line = JSON.readTree(log.get(0));
    assertThat(line.path("path").asText()).isEqualTo("/v1/responses");
    assertThat(line.path("operation").asText()).isEqualTo("chat");
    assertThat(line.path("usage_source").asText()).isEqualTo("reported");
    assertThat(line.path("response_model").asText()).isEqualTo("gpt-4.1-2025-04-14");
  }

  @Test
  void aStreamGetsNoStreamOptionsAndCommitsTheUsageOfResponseCompletedWithCachedInput()
      throws Exception {
    ExtProcClient.Stream s = open();
    ProcessingResponse body =
        s.requestBody(
            "{\"model\":\"codex\",\"stream\":true,\"max_output_tokens\":500,\"input\":\"Hi\"}");
    // The cap fits and nothing else changes but the model.
    JsonNode sent = sent(body);
    assertThat(sent.has("stream_options")).isFalse();
    assertThat(sent.path("max_output_tokens").asLong()).isEqualTo(500);

    s.responseHeaders(false, ":status", "200", "content-type", "text/event-stream; charset=utf-8");
    String stream = FakeUpstream.responsesAnswer("stream.sse");
    int cut = stream.indexOf("event: response.output_text.done");
    ProcessingResponse middle = s.responseBody(stream.substring(0, cut), false);
    // Cut here, the commit would charge the text streamed so far.
    assertThat(metadata(middle))
        .containsEntry(Wire.OUTPUT_TOKENS, Long.toString(o200k("Hi! How can I help you today?")));
    ProcessingResponse last = s.responseBody(stream.substring(cut), true);
    assertThat(metadata(last))
        .containsEntry(Wire.INPUT_TOKENS, "37")
        .containsEntry(Wire.CACHED_INPUT_TOKENS, "16")
        .containsEntry(Wire.OUTPUT_TOKENS, "11")
        // (37 − 16) × 2 + 16 × 0.5 + 11 × 8 per million.
        .containsEntry("cost", "0.000138");
    s.complete();
    JsonNode line = JSON.readTree(log.get(0));
    assertThat(line.path("stream").asBoolean()).isTrue();
    assertThat(line.path("usage_source").asText()).isEqualTo("reported");
  }

  @Test
  void aFailedStreamIsRecordedAsAnError() throws Exception {
    ExtProcClient.Stream s = open();
    s.requestBody("{\"model\":\"codex\",\"stream\":true,\"input\":\"Hi\"}");
    s.responseHeaders(false, ":status", "200", "content-type", "text/event-stream");
    s.responseBody(
        "event: response.failed\ndata: {\"type\":\"response.failed\",\"sequence_number\":1,"
            + "\"response\":{\"id\":\"r\",\"status\":\"failed\",\"error\":{\"code\":\"server_error\","
            + "\"message\":\"The model failed.\"},\"usage\":null}}\n\n",
        true);
    s.complete();
    assertThat(JSON.readTree(log.get(0)).path("error").asText()).isNotEqualTo("");
  }

  @Test
  void codexItemsAreEstimatedWithoutTheirOpaqueReasoningImagesOrIds() throws Exception {
    String encrypted = "gAAAAA" + "x".repeat(20_000);
    String image = "data:image/png;base64," + "A".repeat(20_000);
    ExtProcClient.Stream s = open();
    ProcessingResponse body =
        s.requestBody(
            "{\"model\":\"codex\",\"instructions\":\"You are Codex.\",\"stream\":true,\"store\":false,"
                + "\"include\":[\"reasoning.encrypted_content\"],\"tool_choice\":\"auto\","
                + "\"parallel_tool_calls\":false,\"prompt_cache_key\":\"0199\","
                + "\"reasoning\":{\"effort\":\"medium\",\"summary\":\"auto\"},"
                + "\"tools\":[{\"type\":\"function\",\"name\":\"shell\",\"description\":\"Runs a command\","
                + "\"strict\":false,\"parameters\":{\"type\":\"object\",\"properties\":{}}}],"
                + "\"input\":["
                + "{\"type\":\"message\",\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"List files\"},"
                + "{\"type\":\"input_image\",\"image_url\":\""
                + image
                + "\"}]},"
                + "{\"type\":\"reasoning\",\"id\":\"rs_1\",\"summary\":[],\"encrypted_content\":\""
                + encrypted
                + "\"},"
                + "{\"type\":\"function_call\",\"id\":\"fc_1\",\"status\":\"completed\",\"name\":\"shell\","
                + "\"arguments\":\"{\\\"command\\\":[\\\"ls\\\"]}\",\"call_id\":\"call_abc\"},"
                + "{\"type\":\"function_call_output\",\"call_id\":\"call_abc\",\"output\":\"README.md\"}]}");
    long reserve = Long.parseLong(metadata(body).get(Wire.RESERVE_TOKENS));
    long estimate = reserve - 4096;
    // Four items, one image; the prompt is the instructions, texts, tool schema and call.
    assertThat(estimate).isBetween(765L + 12, 765L + 80);
  }

  @Test
  void fieldsAProviderCouldReadDifferentlyOrThatNeedStateAtTheProviderGet400() throws Exception {
    Map<String, String> paramByBody = new LinkedHashMap<>();
    paramByBody.put("{\"model\":\"codex\",\"input\":\"x\",\"max_tokens\":10}", "max_tokens");
    paramByBody.put(
        "{\"model\":\"codex\",\"max_output_tokens\":10,\"max_completion_tokens\":10}",
        "max_completion_tokens");
    paramByBody.put("{\"model\":\"codex\",\"n\":2}", "n");
    paramByBody.put("{\"model\":\"codex\",\"best_of\":1}", "best_of");
    paramByBody.put(
        "{\"model\":\"codex\",\"previous_response_id\":\"resp_1\",\"input\":\"x\"}",
        "previous_response_id");
    paramByBody.put("{\"model\":\"codex\",\"conversation\":\"conv_1\"}", "conversation");
    paramByBody.put("{\"model\":\"codex\",\"prompt\":{\"id\":\"pmpt_1\"}}", "prompt");
    paramByBody.put("{\"model\":\"codex\",\"background\":true}", "background");
    paramByBody.put("{\"model\":\"codex\",\"max_output_tokens\":\"100\"}", "max_output_tokens");
    paramByBody.put("{\"model\":\"codex\",\"max_output_tokens\":0}", "max_output_tokens");
    for (var c : paramByBody.entrySet()) {
      ImmediateResponse r = open().requestBody(c.getKey()).getImmediateResponse();
      assertThat(r.getStatus().getCodeValue()).as(c.getKey()).isEqualTo(400);
      JsonNode error = error(r);
      assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
      assertThat(error.path("param").asText()).as(c.getKey()).isEqualTo(c.getValue());
    }
    JsonNode maxTokens =
        error(open().requestBody(paramByBody.keySet().iterator().next()).getImmediateResponse());
    assertThat(maxTokens.path("code").asText()).isEqualTo("unsupported_parameter");
    assertThat(maxTokens.path("message").asText()).contains("max_output_tokens");

    // "Not set" is accepted, as is a background of false.
    ProcessingResponse accepted =
        open()
            .requestBody(
                "{\"model\":\"codex\",\"max_tokens\":null,\"previous_response_id\":null,"
                    + "\"background\":false,\"store\":true,\"input\":\"x\"}");
    assertThat(accepted.hasImmediateResponse()).isFalse();
    assertThat(sent(accepted).path("store").asBoolean()).isTrue();
  }

  @Test
  void aModelWithAnAzureBackendHasItsModelWrittenPerAttemptSoEnvoyCanWriteTheDeployment()
      throws Exception {
    // One Azure backend: the upstream model is written here, and its span marked for Envoy's
    // upstream model filter, which writes the deployment (gpt-4o-eu) on the Azure attempt.
    String client = "{\"model\":\"eu-only\",\"input\":\"x\"}";
    ProcessingResponse only = open().requestBody(client);
    assertThat(only.hasImmediateResponse()).isFalse();
    String sentBody =
        only.getRequestBody().getResponse().getBodyMutation().getBody().toStringUtf8();
    assertThat(JSON.readTree(sentBody).path("model").asText()).isEqualTo("gpt-4o");
    String[] span = metadata(only).get(Wire.MODEL_SPAN).split(",");
    assertThat(sentBody.substring(Integer.parseInt(span[0]), Integer.parseInt(span[1])))
        .isEqualTo("\"gpt-4o\"");

    // A fallback from OpenAI to Azure: the span of the client's model, as for any split.
    ProcessingResponse eu = open().requestBody("{\"model\":\"eu\",\"input\":\"x\"}");
    assertThat(eu.hasImmediateResponse()).isFalse();
    assertThat(metadata(eu)).containsKey(Wire.MODEL_SPAN);

    // OpenAI-only rules stay free of the per-attempt rewrite.
    ProcessingResponse codex = open().requestBody("{\"model\":\"codex\",\"input\":\"x\"}");
    assertThat(metadata(codex)).doesNotContainKey(Wire.MODEL_SPAN);
  }

  @Test
  void aModelWithAnAnthropicBackendIsRefusedWithAClearMessageAndCompatibleServersAreServed()
      throws Exception {
    ImmediateResponse claude =
        open().requestBody("{\"model\":\"claude\",\"input\":\"x\"}").getImmediateResponse();
    assertThat(claude.getStatus().getCodeValue()).isEqualTo(400);
    JsonNode error = error(claude);
    assertThat(error.path("code").asText()).isEqualTo("unsupported_api");
    assertThat(error.path("message").asText())
        .contains("Anthropic")
        .contains("/v1/chat/completions")
        .doesNotContain("claude-sonnet-4-5");

    ProcessingResponse llama = open().requestBody("{\"model\":\"llama\",\"input\":\"x\"}");
    assertThat(llama.hasImmediateResponse()).isFalse();
    assertThat(sent(llama).path("max_output_tokens").asLong()).isEqualTo(4096);
  }
}
