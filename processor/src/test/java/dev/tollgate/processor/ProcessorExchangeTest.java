package dev.tollgate.processor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import dev.tollgate.model.Wire;
import dev.tollgate.testkit.MutableClock;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.service.ext_proc.v3.CommonResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ImmediateResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The whole ext_proc exchange, in process, with the processor's answers checked message by message.
 */
class ProcessorExchangeTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  static final String ISSUER = "https://issuer.example";
  static KeyPair jwtKeys;

  MutableClock clock;
  SimpleMeterRegistry registry;
  List<String> log;
  Processor processor;
  ExtProcClient client;

  @BeforeAll
  static void keys() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    jwtKeys = generator.generateKeyPair();
  }

  @BeforeEach
  void start() throws Exception {
    clock = new MutableClock(T0);
    registry = new SimpleMeterRegistry();
    log = new CopyOnWriteArrayList<>();
    JwksSource jwks =
        new JwksSource() {
          @Override
          public CompletableFuture<Jwks> keys(String uri) {
            return CompletableFuture.completedFuture(
                new Jwks(List.of(new Jwks.Key("k1", "RSA", null, "RS256", jwtKeys.getPublic()))));
          }

          @Override
          public CompletableFuture<Jwks> refresh(String uri) {
            return keys(uri);
          }
        };
    processor =
        new Processor(
            ProcessorConfig.defaults().withMaxRequestBodyBytes(4096),
            clock,
            registry,
            jwks,
            new AccessLog(log::add));
    processor.update(TestModels.standard());
    client = new ExtProcClient(processor);
  }

  @AfterEach
  void stop() {
    client.close();
  }

  static String[] post(String credentialHeader, String credential) {
    return new String[] {
      ":method",
      "POST",
      ":path",
      "/v1/chat/completions?debug=1",
      "x-request-id",
      "req-1",
      "content-type",
      "application/json",
      credentialHeader,
      credential,
      Wire.NAMESPACE_HEADER,
      "team-b",
      "x-tollgate-client-path",
      "/evil",
      "accept-encoding",
      "gzip"
    };
  }

  @Test
  void normalCallIsRoutedReservedAndCommittedWithTheReportedUsage() throws Exception {
    ExtProcClient.Stream s = client.open();
    ProcessingResponse headers =
        s.requestHeaders(false, post("authorization", "Bearer " + TestModels.ALICE_KEY));
    assertThat(headers.getRequestHeaders().getResponse().getHeaderMutation().getRemoveHeadersList())
        .containsExactlyInAnyOrder(
            "authorization", Wire.NAMESPACE_HEADER, "x-tollgate-client-path", "accept-encoding");

    String prompt = "Hello there, how are you today?";
    ProcessingResponse body =
        s.requestBody(
            "{\"messages\":[{\"role\":\"user\",\"content\":\""
                + prompt
                + "\"}],\"model\":\"fast\",\"max_tokens\":100}");
    CommonResponse common = body.getRequestBody().getResponse();
    assertThat(common.getClearRouteCache()).isTrue();
    assertThat(setHeaders(common))
        .containsEntry(Wire.NAMESPACE_HEADER, "team-a")
        .containsEntry(Wire.CLIENT_HEADER, "alice")
        .containsEntry(Wire.MODEL_HEADER, "fast");
    // "fast" is an alias with one upstream model: the provider gets the real name.
    String sent = common.getBodyMutation().getBody().toStringUtf8();
    assertThat(JSON.readTree(sent).path("model").asText()).isEqualTo("gpt-4o-mini");
    assertThat(JSON.readTree(sent).path("messages").get(0).path("content").asText())
        .isEqualTo(prompt);
    assertThat(setHeaders(common)).containsEntry("content-length", Integer.toString(sent.length()));
    // One upstream model, written here: no span for the upstream model filter.
    assertThat(metadata(body)).doesNotContainKey(Wire.MODEL_SPAN);
    long estimate = o200k(prompt + "\n") + 3 + 3;
    assertThat(metadata(body))
        .containsEntry(Wire.RESERVE_TOKENS, Long.toString(estimate + 100))
        .containsEntry("request_id", "req-1");

    ProcessingResponse responseHeaders =
        s.responseHeaders(false, ":status", "200", "content-type", "application/json");
    assertThat(setHeaders(responseHeaders.getResponseHeaders().getResponse()))
        .containsEntry("x-request-id", "req-1");
    assertThat(metadata(responseHeaders)).containsEntry(Wire.INPUT_TOKENS, Long.toString(estimate));
    clock.advance(Duration.ofMillis(250));
    s.responseBody(
        "{\"id\":\"c1\",\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"message\":", false);
    ProcessingResponse last =
        s.responseBody(
            "{\"content\":\"Fine.\"}}],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":5,"
                + "\"prompt_tokens_details\":{\"cached_tokens\":2}}}",
            true);
    assertThat(last.getResponseBody().getResponse().hasBodyMutation()).isFalse();
    assertThat(metadata(last))
        .containsEntry(Wire.INPUT_TOKENS, "12")
        .containsEntry(Wire.CACHED_INPUT_TOKENS, "2")
        .containsEntry(Wire.OUTPUT_TOKENS, "5")
        .containsEntry(Wire.PROVIDER, "team-a/openai")
        .containsEntry("cost", "0.00000465")
        .containsEntry("currency", "USD");
    s.complete();

    assertThat(log).hasSize(1);
    JsonNode line = JSON.readTree(log.get(0));
    assertThat(line.path("status").asInt()).isEqualTo(200);
    assertThat(line.path("namespace").asText()).isEqualTo("team-a");
    assertThat(line.path("client").asText()).isEqualTo("alice");
    assertThat(line.path("model").asText()).isEqualTo("fast");
    assertThat(line.path("response_model").asText()).isEqualTo("gpt-4o-mini-2024-07-18");
    assertThat(line.path("path").asText()).isEqualTo("/v1/chat/completions");
    assertThat(line.path("output_tokens").asLong()).isEqualTo(5);
    assertThat(line.path("duration_ms").asDouble()).isEqualTo(250.0);
    assertThat(log.get(0))
        .doesNotContain(prompt)
        .doesNotContain(TestModels.ALICE_KEY)
        .doesNotContain("debug");
    assertThat(
            registry
                .get(ProcessorMetrics.TOKEN_USAGE)
                .tag("gen_ai.token.type", "input")
                .tag("tollgate.namespace", "team-a")
                .tag("gen_ai.request.model", "fast")
                .tag("gen_ai.response.model", "gpt-4o-mini-2024-07-18")
                .summary()
                .totalAmount())
        .isEqualTo(12);
  }

  @Test
  void streamAsksForUsageAndCommitsWhatTheLastChunkReports() throws Exception {
    ExtProcClient.Stream s = client.open();
    s.requestHeaders(false, post("x-api-key", TestModels.ALICE_KEY));
    ProcessingResponse body =
        s.requestBody(
            "{\"model\":\"split\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    JsonNode sent =
        JSON.readTree(
            body.getRequestBody().getResponse().getBodyMutation().getBody().toStringUtf8());
    assertThat(sent.path("stream_options").path("include_usage").asBoolean()).isTrue();
    // "split" goes to two upstream models: the name stays as requested, and the span of its string
    // in the edited body tells Envoy's upstream model filter where each attempt's model goes.
    assertThat(sent.path("model").asText()).isEqualTo("split");
    String edited = body.getRequestBody().getResponse().getBodyMutation().getBody().toStringUtf8();
    // In metadata, not a header: every attempt reads it, and no provider sees it.
    assertThat(setHeaders(body.getRequestBody().getResponse()))
        .doesNotContainKey(Wire.MODEL_SPAN_HEADER);
    String[] span = metadata(body).get(Wire.MODEL_SPAN).split(",");
    assertThat(edited.substring(Integer.parseInt(span[0]), Integer.parseInt(span[1])))
        .isEqualTo("\"split\"");
    // No max_tokens: the default cap, bounded by the largest context window of the backends.
    long estimate = o200k("hi\n") + 6;
    assertThat(metadata(body)).containsEntry(Wire.RESERVE_TOKENS, Long.toString(estimate + 4096));
    // One backend is an OpenAI-compatible server: the cap goes into max_tokens, which all read.
    assertThat(sent.path("max_tokens").asLong()).isEqualTo(4096);

    s.responseHeaders(
        false,
        ":status",
        "200",
        "content-type",
        "text/event-stream",
        Wire.PROVIDER_HEADER,
        "team-a/local");
    clock.advance(Duration.ofMillis(100));
    s.responseBody(
        ": keep-alive\r\n\r\ndata: {\"model\":\"llama\",\"choices\":[{\"delta\":{\"role\":\"assistant\"}}]}\r\n\r\n",
        false);
    clock.advance(Duration.ofMillis(50));
    s.responseBody("data: {\"model\":\"llama\",\"choices\":[{\"delta\":{\"content\":\"Hel", false);
    s.responseBody(
        "lo\"}}]}\n\ndata: {\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":2}}\n\n",
        false);
    clock.advance(Duration.ofMillis(50));
    ProcessingResponse last = s.responseBody("data: [DONE]\n\n", true);
    assertThat(metadata(last))
        .containsEntry(Wire.INPUT_TOKENS, "9")
        .containsEntry(Wire.OUTPUT_TOKENS, "2")
        .containsEntry(Wire.PROVIDER, "team-a/local")
        .doesNotContainKey("cost");
    s.complete();
    JsonNode line = JSON.readTree(log.get(0));
    assertThat(line.path("stream").asBoolean()).isTrue();
    assertThat(line.path("ttft_ms").asDouble()).isEqualTo(150.0);
    assertThat(line.path("duration_ms").asDouble()).isEqualTo(200.0);
    assertThat(line.path("provider").asText()).isEqualTo("team-a/local");
  }

  @Test
  void streamThatEndsWithoutUsageCommitsTheEstimateAndCountedOutput() throws Exception {
    ExtProcClient.Stream s = client.open();
    s.requestHeaders(false, post("x-api-key", TestModels.ALICE_KEY));
    s.requestBody(
        "{\"model\":\"small\",\"stream\":true,\"stream_options\":{\"include_usage\":true},\"prompt\":\"x\"}");
    s.responseHeaders(false, ":status", "200", "content-type", "text/event-stream");
    s.responseBody("data: {\"choices\":[{\"delta\":{\"content\":\"one two three\"}}]}\n\n", false);
    ProcessingResponse last = s.responseBody("", true);
    assertThat(metadata(last))
        .containsEntry(Wire.OUTPUT_TOKENS, Long.toString(cl100k("one two three")))
        .containsEntry(Wire.PROVIDER, "team-a/local");
    s.complete();
    assertThat(JSON.readTree(log.get(0)).path("usage_source").asText()).isEqualTo("estimated");
  }

  @Test
  void unknownKeyIsRefusedWith401InOpenAiShape() throws Exception {
    ExtProcClient.Stream s = client.open();
    ProcessingResponse r =
        s.requestHeaders(false, post("authorization", "Bearer tg-not-a-key-at-all-000"));
    ImmediateResponse immediate = r.getImmediateResponse();
    assertThat(immediate.getStatus().getCodeValue()).isEqualTo(401);
    JsonNode error = JSON.readTree(immediate.getBody().toStringUtf8()).path("error");
    assertThat(error.path("code").asText()).isEqualTo("invalid_api_key");
    assertThat(error.path("type").asText()).isEqualTo("authentication_error");
    assertThat(immediate.getBody().toStringUtf8()).doesNotContain("tg-not-a-key");
    assertThat(setHeaders(immediate))
        .containsEntry("www-authenticate", "Bearer realm=\"tollgate\"");
    org.awaitility.Awaitility.await().until(() -> !log.isEmpty());
    assertThat(JSON.readTree(log.get(0)).path("status").asInt()).isEqualTo(401);
    assertThat(log.get(0)).doesNotContain("tg-not-a-key");
  }

  @Test
  void requestWithoutCredentialIsRefusedWith401() throws Exception {
    ProcessingResponse r =
        client.open().requestHeaders(false, ":method", "POST", ":path", "/v1/chat/completions");
    assertThat(r.getImmediateResponse().getStatus().getCodeValue()).isEqualTo(401);
    assertThat(r.getImmediateResponse().getBody().toStringUtf8()).contains("missing_api_key");
  }

  /**
   * A call no route serves is answered at the request headers with the routes' own refusal, so that
   * its body is never buffered nor tokenized; a body without a model gets 404 or 405, not the
   * processor's 400.
   */
  @Test
  void aCallTheRoutesDoNotServeIsRefusedAtTheHeadersWithoutItsBody() throws Exception {
    record Case(String method, String path, boolean body, int status, String code, String allow) {}
    for (Case c :
        List.of(
            new Case("POST", "/v1/files", true, 404, "unknown_url", null),
            new Case("POST", "/v1/fine_tuning/jobs", true, 404, "unknown_url", null),
            new Case("DELETE", "/v1/files/file-1", false, 404, "unknown_url", null),
            new Case("GET", "/v1/chat/completions", false, 405, "method_not_allowed", "POST"),
            new Case("PUT", "/v1/embeddings", true, 405, "method_not_allowed", "POST"),
            new Case("POST", "/v1/models", true, 405, "method_not_allowed", "GET"),
            new Case("DELETE", "/v1/models/fast", false, 405, "method_not_allowed", "GET"),
            new Case("GET", "/v1/models", true, 400, "unexpected_body", null))) {
      for (String[] credential :
          List.of(new String[] {"x-api-key", TestModels.ALICE_KEY}, new String[] {"x-a", "b"})) {
        ProcessingResponse r =
            client
                .open()
                .requestHeaders(
                    !c.body(),
                    ":method",
                    c.method(),
                    ":path",
                    c.path() + "?q=1",
                    "x-request-id",
                    "req-unserved",
                    "content-type",
                    "application/json",
                    credential[0],
                    credential[1]);
        ImmediateResponse immediate = r.getImmediateResponse();
        assertThat(immediate.getStatus().getCodeValue()).as(c.toString()).isEqualTo(c.status());
        JsonNode error = JSON.readTree(immediate.getBody().toStringUtf8()).path("error");
        assertThat(error.path("code").asText()).as(c.toString()).isEqualTo(c.code());
        assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.path("message").asText()).isNotBlank();
        Map<String, String> headers = setHeaders(immediate);
        assertThat(headers)
            .containsEntry("content-type", "application/json")
            .containsEntry("x-request-id", "req-unserved");
        if (c.allow() == null) {
          assertThat(headers).doesNotContainKey("allow");
        } else {
          assertThat(headers).containsEntry("allow", c.allow());
        }
      }
    }
    assertThat(
            registry
                .find(ProcessorMetrics.REJECTIONS)
                .tag("error.type", "unknown_url")
                .counter()
                .count())
        .isEqualTo(6);
  }

  @Test
  void theModelListIsStillServedAtTheHeaders() throws Exception {
    ProcessingResponse r =
        client
            .open()
            .requestHeaders(
                true,
                ":method",
                "GET",
                ":path",
                "/v1/models/fast",
                "x-api-key",
                TestModels.ALICE_KEY);
    assertThat(r.getImmediateResponse().getStatus().getCodeValue()).isEqualTo(200);
    assertThat(JSON.readTree(r.getImmediateResponse().getBody().toStringUtf8()).path("id").asText())
        .isEqualTo("fast");
  }

  @Test
  void unknownModelGets404ListingOnlyTheModelsOfTheCallersNamespace() throws Exception {
    ExtProcClient.Stream s = client.open();
    s.requestHeaders(false, post("authorization", "Bearer " + TestModels.ALICE_KEY));
    ProcessingResponse r = s.requestBody("{\"model\":\"other\",\"messages\":[]}");
    assertThat(r.getImmediateResponse().getStatus().getCodeValue()).isEqualTo(404);
    JsonNode error = JSON.readTree(r.getImmediateResponse().getBody().toStringUtf8()).path("error");
    assertThat(error.path("code").asText()).isEqualTo("model_not_found");
    assertThat(error.path("message").asText())
        .contains("'other'")
        .contains("fast, gpt-4o-mini, small, split");
  }

  /**
   * A key may call only the routes whose clients select its Secret: another route of the same
   * namespace is answered like a model that does not exist, and is not listed.
   */
  @Test
  void aKeyCannotCallARouteOfItsNamespaceThatDoesNotSelectIt() throws Exception {
    processor.update(
        TestModels.build(
            TestModels.yaml(9, ISSUER, ISSUER + "/jwks")
                + """
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: carol, namespace: team-a, labels: {tier: gold}}
                stringData: {apiKey: tg-test-carol-key-0003}
                ---
                apiVersion: tollgate.dev/v1alpha1
                kind: AIRoute
                metadata: {name: premium, namespace: team-a}
                spec:
                  clients: {apiKeys: {secretSelector: {matchLabels: {tier: gold}}}}
                  rules:
                    - models: [premium]
                      backends: [{provider: {name: openai}, model: gpt-4o-mini}]
                """));
    ExtProcClient.Stream alice = client.open();
    alice.requestHeaders(false, post("authorization", "Bearer " + TestModels.ALICE_KEY));
    ProcessingResponse denied = alice.requestBody("{\"model\":\"premium\",\"messages\":[]}");
    assertThat(denied.getImmediateResponse().getStatus().getCodeValue()).isEqualTo(404);
    JsonNode error =
        JSON.readTree(denied.getImmediateResponse().getBody().toStringUtf8()).path("error");
    assertThat(error.path("code").asText()).isEqualTo("model_not_found");
    assertThat(error.path("message").asText())
        .contains("fast, gpt-4o-mini, small, split")
        .doesNotContain("premium,")
        .doesNotContain(", premium");

    ExtProcClient.Stream carol = client.open();
    carol.requestHeaders(false, post("authorization", "Bearer tg-test-carol-key-0003"));
    ProcessingResponse allowed = carol.requestBody("{\"model\":\"premium\",\"messages\":[]}");
    assertThat(allowed.hasImmediateResponse()).as("%s", allowed).isFalse();
    ExtProcClient.Stream carolOther = client.open();
    carolOther.requestHeaders(false, post("authorization", "Bearer tg-test-carol-key-0003"));
    assertThat(
            carolOther
                .requestBody("{\"model\":\"fast\",\"messages\":[]}")
                .getImmediateResponse()
                .getStatus()
                .getCodeValue())
        .isEqualTo(404);

    ProcessingResponse listed =
        client
            .open()
            .requestHeaders(
                true, ":method", "GET", ":path", "/v1/models", "x-api-key", TestModels.ALICE_KEY);
    assertThat(
            JSON.readTree(listed.getImmediateResponse().getBody().toStringUtf8())
                .path("data")
                .findValuesAsText("id"))
        .containsExactly("fast", "gpt-4o-mini", "small", "split");
  }

  @Test
  void bodyOverTheLimitGets413() throws Exception {
    ExtProcClient.Stream s = client.open();
    s.requestHeaders(false, post("authorization", "Bearer " + TestModels.ALICE_KEY));
    ProcessingResponse r =
        s.requestBody("{\"model\":\"fast\",\"prompt\":\"" + "x".repeat(5000) + "\"}");
    assertThat(r.getImmediateResponse().getStatus().getCodeValue()).isEqualTo(413);
    assertThat(r.getImmediateResponse().getBody().toStringUtf8()).contains("request_too_large");
  }

  @Test
  void declaredContentLengthOverTheLimitGets413BeforeTheBody() throws Exception {
    String[] headers = post("authorization", "Bearer " + TestModels.ALICE_KEY);
    String[] withLength = java.util.Arrays.copyOf(headers, headers.length + 2);
    withLength[headers.length] = "content-length";
    withLength[headers.length + 1] = "100000";
    ProcessingResponse r = client.open().requestHeaders(false, withLength);
    assertThat(r.getImmediateResponse().getStatus().getCodeValue()).isEqualTo(413);
  }

  @Test
  void malformedOrAmbiguousBodiesGet400() throws Exception {
    for (String body :
        List.of(
            "{\"model\":\"fast\",\"model\":\"gpt-4o-mini\"}",
            "{\"model\":\"fast\"",
            "[1,2]",
            "{\"model\":\"fast\"} {\"model\":\"other\"}",
            "{\"model\":42}",
            "{\"messages\":[]}")) {
      ExtProcClient.Stream s = client.open();
      s.requestHeaders(false, post("authorization", "Bearer " + TestModels.ALICE_KEY));
      ProcessingResponse r = s.requestBody(body);
      assertThat(r.getImmediateResponse().getStatus().getCodeValue()).as(body).isEqualTo(400);
      assertThat(
              JSON.readTree(r.getImmediateResponse().getBody().toStringUtf8())
                  .path("error")
                  .path("type")
                  .asText())
          .isEqualTo("invalid_request_error");
    }
  }

  @Test
  void theReservedOutputCapIsWrittenIntoTheUpstreamBodyAndChoicesMultiplyIt() throws Exception {
    ExtProcClient.Stream s = client.open();
    s.requestHeaders(false, post("x-api-key", TestModels.ALICE_KEY));
    ProcessingResponse body =
        s.requestBody(
            "{\"model\":\"small\",\"n\":3,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    CommonResponse common = body.getRequestBody().getResponse();
    String sent = common.getBodyMutation().getBody().toStringUtf8();
    // llama is served by an OpenAI-compatible server: max_tokens, the field every such server
    // reads.
    assertThat(JSON.readTree(sent).path("max_tokens").asLong()).isEqualTo(4096);
    assertThat(JSON.readTree(sent).has("max_completion_tokens")).isFalse();
    assertThat(setHeaders(common)).containsEntry("content-length", Integer.toString(sent.length()));
    long estimate = cl100k("hi\n") + 6;
    assertThat(metadata(body))
        .containsEntry(Wire.RESERVE_TOKENS, Long.toString(estimate + 3 * 4096));

    ExtProcClient.Stream openai = client.open();
    openai.requestHeaders(false, post("x-api-key", TestModels.ALICE_KEY));
    JsonNode toOpenAi =
        JSON.readTree(
            openai
                .requestBody("{\"model\":\"gpt-4o-mini\",\"max_tokens\":null,\"messages\":[]}")
                .getRequestBody()
                .getResponse()
                .getBodyMutation()
                .getBody()
                .toStringUtf8());
    // A null cap is replaced where it stands: adding the field would repeat a key.
    assertThat(toOpenAi.path("max_tokens").asLong()).isEqualTo(4096);
    assertThat(toOpenAi.has("max_completion_tokens")).isFalse();
  }

  @Test
  void outputCapsAndChoicesThatProvidersCouldReadDifferentlyGet400NamingTheField()
      throws Exception {
    Map<String, String> paramByBody = new java.util.LinkedHashMap<>();
    paramByBody.put("{\"model\":\"fast\",\"max_tokens\":\"30000\"}", "max_tokens");
    paramByBody.put("{\"model\":\"fast\",\"max_tokens\":10.5}", "max_tokens");
    paramByBody.put("{\"model\":\"fast\",\"max_tokens\":1e3}", "max_tokens");
    paramByBody.put("{\"model\":\"fast\",\"max_completion_tokens\":-1}", "max_completion_tokens");
    paramByBody.put("{\"model\":\"fast\",\"max_output_tokens\":true}", "max_output_tokens");
    paramByBody.put("{\"model\":\"fast\",\"max_tokens\":0}", "max_tokens");
    paramByBody.put("{\"model\":\"fast\",\"max_tokens\":1,\"max_tokens\":99999}", "max_tokens");
    paramByBody.put(
        "{\"model\":\"fast\",\"max_completion_tokens\":10,\"max_tokens\":50000}", "max_tokens");
    paramByBody.put("{\"model\":\"fast\",\"n\":\"64\"}", "n");
    paramByBody.put("{\"model\":\"fast\",\"n\":0}", "n");
    paramByBody.put("{\"model\":\"fast\",\"n\":129}", "n");
    paramByBody.put("{\"model\":\"fast\",\"best_of\":1000}", "best_of");
    paramByBody.put("{\"model\":\"small\",\"max_tokens\":8193}", "max_tokens");
    for (var c : paramByBody.entrySet()) {
      ExtProcClient.Stream s = client.open();
      s.requestHeaders(false, post("authorization", "Bearer " + TestModels.ALICE_KEY));
      ImmediateResponse r = s.requestBody(c.getKey()).getImmediateResponse();
      assertThat(r.getStatus().getCodeValue()).as(c.getKey()).isEqualTo(400);
      JsonNode error = JSON.readTree(r.getBody().toStringUtf8()).path("error");
      assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
      assertThat(error.path("param").asText()).as(c.getKey()).isEqualTo(c.getValue());
    }
  }

  @Test
  void aReservationOverThePerRequestLimitIsRefusedBeforeTheBudgetSeesIt() throws Exception {
    ExtProcClient.Stream s = client.open();
    s.requestHeaders(false, post("authorization", "Bearer " + TestModels.ALICE_KEY));
    // 100,000 tokens × 128 choices: 12.8 million, over the default 10 million.
    ImmediateResponse r =
        s.requestBody("{\"model\":\"fast\",\"max_tokens\":100000,\"n\":128}")
            .getImmediateResponse();
    assertThat(r.getStatus().getCodeValue()).isEqualTo(400);
    JsonNode error = JSON.readTree(r.getBody().toStringUtf8()).path("error");
    assertThat(error.path("code").asText()).isEqualTo("reservation_too_large");
    assertThat(error.path("message").asText()).contains("10000000");
    org.awaitility.Awaitility.await().until(() -> !log.isEmpty());
    assertThat(JSON.readTree(log.get(0)).path("error").asText()).isEqualTo("reservation_too_large");

    ExtProcClient.Stream fits = client.open();
    fits.requestHeaders(false, post("authorization", "Bearer " + TestModels.ALICE_KEY));
    assertThat(metadata(fits.requestBody("{\"model\":\"fast\",\"max_tokens\":100000,\"n\":99}")))
        .containsEntry(Wire.RESERVE_TOKENS, "9900000");
  }

  @Test
  void modelsEndpointListsTheCallersModels() throws Exception {
    ProcessingResponse r =
        client
            .open()
            .requestHeaders(
                true, ":method", "GET", ":path", "/v1/models", "x-api-key", TestModels.BOB_KEY);
    assertThat(r.getImmediateResponse().getStatus().getCodeValue()).isEqualTo(200);
    JsonNode list = JSON.readTree(r.getImmediateResponse().getBody().toStringUtf8());
    assertThat(list.path("object").asText()).isEqualTo("list");
    assertThat(list.path("data").findValuesAsText("id")).containsExactly("other");
  }

  @Test
  void upstreamErrorIsPassedOnInOpenAiShape() throws Exception {
    ExtProcClient.Stream s = client.open();
    s.requestHeaders(false, post("authorization", "Bearer " + TestModels.ALICE_KEY));
    s.requestBody("{\"model\":\"small\",\"messages\":[]}");
    ProcessingResponse h =
        s.responseHeaders(
            false, ":status", "400", "content-type", "application/json", "content-length", "40");
    assertThat(h.getResponseHeaders().getResponse().getHeaderMutation().getRemoveHeadersList())
        .contains("content-length");
    ProcessingResponse first = s.responseBody("{\"object\":\"error\",\"message\":\"context", false);
    assertThat(first.getResponseBody().getResponse().getBodyMutation().getBody().isEmpty())
        .isTrue();
    ProcessingResponse last =
        s.responseBody(" too long\",\"type\":\"BadRequestError\",\"code\":400}", true);
    JsonNode error =
        JSON.readTree(
                last.getResponseBody().getResponse().getBodyMutation().getBody().toStringUtf8())
            .path("error");
    assertThat(error.path("message").asText()).isEqualTo("context too long");
    assertThat(error.path("type").asText()).isEqualTo("BadRequestError");
    assertThat(error.path("code").asText()).isEqualTo("400");
    assertThat(metadata(last))
        .containsEntry(Wire.INPUT_TOKENS, "0")
        .containsEntry(Wire.OUTPUT_TOKENS, "0");
  }

  @Test
  void jwtClientIsIdentifiedByItsClaimAndLimitedToItsRoutes() throws Exception {
    long exp = T0.getEpochSecond() + 600;
    String token =
        Tokens.rs256(
            jwtKeys,
            "k1",
            "{\"iss\":\""
                + ISSUER
                + "\",\"aud\":[\"tollgate\"],\"azp\":\"svc\",\"exp\":"
                + exp
                + "}");
    ExtProcClient.Stream s = client.open();
    s.requestHeaders(false, post("authorization", "Bearer " + token));
    ProcessingResponse body = s.requestBody("{\"model\":\"other\",\"messages\":[]}");
    assertThat(setHeaders(body.getRequestBody().getResponse()))
        .containsEntry(Wire.NAMESPACE_HEADER, "team-b")
        .containsEntry(Wire.CLIENT_HEADER, "svc");

    ExtProcClient.Stream other = client.open();
    other.requestHeaders(false, post("authorization", "Bearer " + token));
    assertThat(
            other
                .requestBody("{\"model\":\"fast\"}")
                .getImmediateResponse()
                .getStatus()
                .getCodeValue())
        .isEqualTo(404);
  }

  @Test
  void jwtWithWrongAudienceIs403AndExpiredOrForgedIs401() throws Exception {
    long exp = T0.getEpochSecond() + 600;
    String wrongAudience =
        Tokens.rs256(
            jwtKeys,
            "k1",
            "{\"iss\":\"" + ISSUER + "\",\"aud\":\"x\",\"azp\":\"svc\",\"exp\":" + exp + "}");
    String expired =
        Tokens.rs256(
            jwtKeys,
            "k1",
            "{\"iss\":\""
                + ISSUER
                + "\",\"aud\":\"tollgate\",\"azp\":\"svc\",\"exp\":"
                + (T0.getEpochSecond() - 61)
                + "}");
    String good =
        Tokens.rs256(
            jwtKeys,
            "k1",
            "{\"iss\":\""
                + ISSUER
                + "\",\"aud\":\"tollgate\",\"azp\":\"svc\",\"exp\":"
                + exp
                + "}");
    String forged =
        good.substring(0, good.lastIndexOf('.') + 1)
            + "AAAA"
            + good.substring(good.lastIndexOf('.') + 5);
    assertThat(status(wrongAudience)).isEqualTo(403);
    assertThat(status(expired)).isEqualTo(401);
    assertThat(status(forged)).isEqualTo(401);
    String none =
        Tokens.b64("{\"alg\":\"none\"}")
            + "."
            + Tokens.b64(
                "{\"iss\":\""
                    + ISSUER
                    + "\",\"aud\":\"tollgate\",\"azp\":\"svc\",\"exp\":"
                    + exp
                    + "}")
            + ".x";
    assertThat(status(none)).isEqualTo(401);
  }

  private int status(String token) throws Exception {
    ProcessingResponse r =
        client.open().requestHeaders(false, post("authorization", "Bearer " + token));
    return r.getImmediateResponse().getStatus().getCodeValue();
  }

  @Test
  void aModelUpdateAppliesToTheNextRequest() throws Exception {
    String yaml =
        TestModels.yaml(9, ISSUER, ISSUER + "/jwks")
            .replace(TestModels.ALICE_KEY, "tg-rotated-alice-key-01");
    processor.update(TestModels.build(yaml));
    assertThat(status("tg-rotated-alice-key-01")).isZero();
    assertThat(status(TestModels.ALICE_KEY)).isEqualTo(401);
  }

  @Test
  void largeBodyIsAnsweredFromAWorkerWithItsWholePromptEstimated() throws Exception {
    Processor big =
        new Processor(
            ProcessorConfig.defaults().withMaxRequestBodyBytes(512 * 1024),
            clock,
            registry,
            new GeneratedInputTest.NoKeys(),
            new AccessLog(log::add));
    big.update(TestModels.standard());
    try (ExtProcClient bigClient = new ExtProcClient(big)) {
      ExtProcClient.Stream s = bigClient.open();
      s.requestHeaders(false, post("authorization", "Bearer " + TestModels.ALICE_KEY));
      String prompt = "lorem ipsum dolor sit amet ".repeat(10_000);
      ProcessingResponse r =
          s.requestBody(
              "{\"model\":\"small\",\"max_tokens\":1,\"messages\":[{\"role\":\"user\",\"content\":\""
                  + prompt
                  + "\"}]}");
      long reserve = Long.parseLong(metadata(r).get(Wire.RESERVE_TOKENS));
      // Past 200,000 characters the count is extrapolated: close to, and not below, the exact one.
      // The prompt alone overflows llama's 8,192-token window: one output token is reserved (and
      // written as max_tokens), and the provider decides whether the prompt fits.
      long exact = cl100k(prompt + "\n") + 6;
      assertThat(reserve).isBetween(exact, exact + exact / 100);
    }
  }

  @Test
  void clientGoneMidStreamIsLoggedAsAborted() throws Exception {
    ExtProcClient.Stream s = client.open();
    s.requestHeaders(false, post("authorization", "Bearer " + TestModels.ALICE_KEY));
    s.requestBody("{\"model\":\"fast\",\"stream\":true,\"messages\":[]}");
    ProcessingResponse h =
        s.responseHeaders(false, ":status", "200", "content-type", "text/event-stream");
    assertThat(metadata(h)).containsKey(Wire.INPUT_TOKENS);
    s.cancel();
    org.awaitility.Awaitility.await().until(() -> !log.isEmpty());
    assertThat(JSON.readTree(log.get(0)).path("aborted").asBoolean()).isTrue();
  }

  // ------------------------------------------------------------------------------ helpers

  static final EncodingRegistry ENCODINGS = Encodings.newLazyEncodingRegistry();

  static long o200k(String text) {
    return ENCODINGS.getEncoding(EncodingType.O200K_BASE).countTokensOrdinary(text);
  }

  static long cl100k(String text) {
    return ENCODINGS.getEncoding(EncodingType.CL100K_BASE).countTokensOrdinary(text);
  }

  static Map<String, String> metadata(ProcessingResponse r) {
    Map<String, String> out = new TreeMap<>();
    Value ns = r.getDynamicMetadata().getFieldsMap().get(Wire.METADATA_NAMESPACE);
    if (ns != null) {
      Struct fields = ns.getStructValue();
      fields.getFieldsMap().forEach((k, v) -> out.put(k, v.getStringValue()));
    }
    return out;
  }

  static Map<String, String> setHeaders(CommonResponse common) {
    return headers(common.getHeaderMutation().getSetHeadersList());
  }

  static Map<String, String> setHeaders(ImmediateResponse r) {
    return headers(r.getHeaders().getSetHeadersList());
  }

  private static Map<String, String> headers(List<HeaderValueOption> options) {
    Map<String, String> out = new TreeMap<>();
    options.forEach(
        o -> out.put(o.getHeader().getKey(), o.getHeader().getRawValue().toStringUtf8()));
    return out;
  }
}
