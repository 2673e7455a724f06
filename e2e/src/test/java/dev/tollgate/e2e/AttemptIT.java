package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.emulator.AnsweredRequest;
import dev.tollgate.emulator.EmulatorServer;
import dev.tollgate.emulator.ProviderEmulator;
import dev.tollgate.emulator.ReceivedRequest;
import dev.tollgate.emulator.openai.AzureOpenAiEmulator;
import dev.tollgate.emulator.openai.EmulatedModel;
import dev.tollgate.emulator.openai.OpenAiEmulator;
import dev.tollgate.model.Wire;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every attempt carries the request its backend accepts, through {@code tollgate run} and a real
 * Envoy: a split across two upstream models (the README's canary) and fallbacks across models and
 * providers. Each provider is the strict emulator (module {@code emulator}) serving only its own
 * model, API path and key header, refusing anything else as the provider would, and the test reads
 * what each one received and answered.
 */
class AttemptIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String KEY = "tg-e2e-alice-key-0001";

  /**
   * Tools whose schema has a property named {@code model}, and a message that talks about one: only
   * the top-level {@code model} may change.
   */
  static final String TOOLS =
      "[{\"type\":\"function\",\"function\":{\"name\":\"pick\",\"parameters\":{\"type\":\"object\","
          + "\"properties\":{\"model\":{\"type\":\"string\",\"enum\":[\"fast\"]}},"
          + "\"required\":[\"model\"]}}}]";

  static final String MESSAGES =
      "[{\"role\":\"user\",\"content\":\"Say \\\"model\\\":\\\"fast\\\" back, \u00e9t\u00e9 \u2603\"}]";

  /**
   * One provider: its name for messages, and the emulator server standing in for it.
   *
   * @param name the provider's name in the manifests
   * @param server the emulator answering as that provider
   */
  record Provider(String name, EmulatorServer server) implements AutoCloseable {
    static Provider start(String name, ProviderEmulator emulator) {
      return new Provider(name, EmulatorServer.start("127.0.0.1", 0, List.of(emulator), 0));
    }

    String url() {
      return "http://127.0.0.1:" + server.port();
    }

    List<ReceivedRequest> received() {
      return server.received();
    }

    @Override
    public void close() {
      server.close();
    }
  }

  static Provider openai;
  static Provider openaiDown;
  static Provider vllm;
  static Provider azure;
  static Provider gemini;
  static TollgateRun gateway;

  static List<EmulatedModel> only(String model) {
    return List.of(EmulatedModel.named(model));
  }

  @BeforeAll
  static void start() {
    openai =
        Provider.start("openai", OpenAiEmulator.serving(only("gpt-4o-mini"), "sk-openai-e2e-0001"));
    openaiDown =
        Provider.start(
            "openai-down",
            OpenAiEmulator.serving(only("gpt-4o"), "sk-openai-down-e2e-0002").unavailable());
    vllm =
        Provider.start(
            "vllm",
            OpenAiEmulator.serving(only("llama-3.1-8b-instruct"), "vllm-e2e-0003")
                .at("/serving/v1"));
    azure =
        Provider.start(
            "azure",
            AzureOpenAiEmulator.serving(
                Map.of("gpt-4o-mini-eu", EmulatedModel.named("gpt-4o-mini")), "azure-e2e-0004"));
    gemini =
        Provider.start(
            "gemini",
            OpenAiEmulator.serving(only("gemini-2.0-flash"), "gemini-e2e-0005")
                .at("/v1beta/openai")
                .keyIn("x-goog-api-key", ""));
    gateway =
        TollgateRun.start(
            "attempt",
            Path.of("target/e2e/attempt").toAbsolutePath(),
            Map.of(
                "OPENAI_URL", openai.url(),
                "OPENAI_DOWN_URL", openaiDown.url(),
                "VLLM_URL", vllm.url(),
                "AZURE_URL", azure.url(),
                "GEMINI_URL", gemini.url()));
  }

  /**
   * Nothing Tollgate's filters pass between themselves ({@code x-tollgate-*}) reaches a provider.
   */
  @AfterEach
  void noProviderReceivedAGatewayHeader() {
    for (Provider p : new Provider[] {openai, openaiDown, vllm, azure, gemini}) {
      assertThat(p.server().gatewayHeaderLeaks())
          .as("requests %s received with x-tollgate-* headers", p.name())
          .isEmpty();
    }
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.close();
    }
    for (Provider p : new Provider[] {openai, openaiDown, vllm, azure, gemini}) {
      if (p != null) {
        p.close();
      }
    }
  }

  static String chat(String model) {
    return "{\"messages\":"
        + MESSAGES
        + ",\"model\" : \""
        + model
        + "\",\"tools\":"
        + TOOLS
        + ",\"max_tokens\":16}";
  }

  static HttpResponse<String> post(String model) throws Exception {
    return gateway.post("/v1/chat/completions", KEY, chat(model), Map.of());
  }

  /**
   * The README's canary: {@code fast} split across gpt-4o-mini at OpenAI and llama at vLLM, each
   * provider getting its own model name (never the alias), its own path and its own key.
   */
  @Test
  void aSplitSendsEachBackendItsOwnModel() throws Exception {
    for (String requested : List.of("fast", "gpt-4o-mini")) {
      int openaiBefore = openai.received().size();
      int vllmBefore = vllm.received().size();
      for (int i = 0;
          i < 40
              && (openai.received().size() == openaiBefore || vllm.received().size() == vllmBefore);
          i++) {
        HttpResponse<String> response = post(requested);
        assertThat(response.statusCode()).as("%s: %s", requested, response.body()).isEqualTo(200);
      }
      assertThat(openai.received())
          .as("40 requests for %s reached openai", requested)
          .hasSizeGreaterThan(openaiBefore);
      assertThat(vllm.received())
          .as("40 requests for %s reached vllm", requested)
          .hasSizeGreaterThan(vllmBefore);
    }
    assertEveryRequestWasItsOwn(openai);
    assertEveryRequestWasItsOwn(vllm);
    assertThat(azure.received()).as("no attempt failed over to Azure").isEmpty();
  }

  /**
   * A streamed split: the processor adds {@code stream_options} to the body before the span it
   * marks, and each provider still gets its own model; the client gets the provider's chunks.
   */
  @Test
  void aStreamedSplitSendsEachBackendItsOwnModel() throws Exception {
    int openaiBefore = openai.received().size();
    int vllmBefore = vllm.received().size();
    String streamed =
        chat("fast").replace("\"max_tokens\":16", "\"max_tokens\":16,\"stream\":true");
    for (int i = 0;
        i < 40
            && (openai.received().size() == openaiBefore || vllm.received().size() == vllmBefore);
        i++) {
      HttpResponse<String> response = gateway.post("/v1/chat/completions", KEY, streamed, Map.of());
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      // max_tokens 16 cuts the emulator's 21-word answer: OpenAI's finish reason for that.
      assertThat(response.body())
          .contains("\"finish_reason\":\"length\"")
          .endsWith("data: [DONE]\n\n");
    }
    for (Provider provider : List.of(openai, vllm)) {
      int before = provider == openai ? openaiBefore : vllmBefore;
      List<ReceivedRequest> streams =
          provider.received().subList(before, provider.received().size());
      assertThat(streams).as("40 streamed requests reached %s", provider.name()).isNotEmpty();
      assertThat(streams)
          .allSatisfy(
              r ->
                  assertThat(json(r).path("stream_options").path("include_usage").asBoolean())
                      .isTrue());
    }
    assertEveryRequestWasItsOwn(openai);
    assertEveryRequestWasItsOwn(vllm);
  }

  /** gpt-4o at OpenAI answers 503; the fallback to llama at vLLM carries llama's name. */
  @Test
  void aFallbackAcrossModelsSendsTheFallbackItsOwnModel() throws Exception {
    int down = openaiDown.received().size();
    int fallback = vllm.received().size();
    HttpResponse<String> response = post("smart");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(JSON.readTree(response.body()).path("model").asText())
        .isEqualTo("llama-3.1-8b-instruct");
    assertThat(openaiDown.received()).hasSizeGreaterThan(down);
    assertThat(vllm.received()).hasSizeGreaterThan(fallback);
    assertEveryRequestWasItsOwn(openaiDown);
    assertEveryRequestWasItsOwn(vllm);
  }

  /** The same across providers of other kinds: OpenAI's gpt-4o, then Azure's gpt-4o-mini. */
  @Test
  void aFallbackToAzureSendsAzureItsOwnModelPathAndKey() throws Exception {
    HttpResponse<String> response = post("smart-eu");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(JSON.readTree(response.body()).path("model").asText()).isEqualTo("gpt-4o-mini");
    assertThat(azure.received()).isNotEmpty();
    assertEveryRequestWasItsOwn(openaiDown);
    assertEveryRequestWasItsOwn(azure);
  }

  /**
   * An OpenAI-compatible API at another path with its key in its own header (Gemini's), directly
   * and as a fallback across models: a client's value in that header never reaches it.
   */
  @Test
  void geminiGetsItsOwnPathKeyHeaderAndModelDirectlyAndAsAFallback() throws Exception {
    Map<String, String> clientsOwn = Map.of("x-goog-api-key", "client-supplied-gemini-key");
    for (String requested : List.of("gemini-2.0-flash", "smart-flash")) {
      HttpResponse<String> response =
          gateway.post("/v1/chat/completions", KEY, chat(requested), clientsOwn);
      assertThat(response.statusCode()).as("%s: %s", requested, response.body()).isEqualTo(200);
      assertThat(JSON.readTree(response.body()).path("model").asText())
          .isEqualTo("gemini-2.0-flash");
    }
    assertThat(gemini.received()).hasSizeGreaterThanOrEqualTo(2);
    assertEveryRequestWasItsOwn(gemini);
    assertEveryRequestWasItsOwn(openaiDown);
    assertThat(gemini.received())
        .allSatisfy(r -> assertThat(r.headers()).doesNotContainKey("authorization"));
    assertThat(openaiDown.server().answered())
        .as("openai-down answered every attempt with its outage")
        .extracting(AnsweredRequest::status)
        .containsOnly(503);
  }

  /**
   * A tool call the provider answers (the emulator calls the tool when {@code tool_choice} requires
   * it) reaches the client in OpenAI's shape, as JSON and streamed, through the gateway's
   * per-attempt rewrite: the arguments carry the tool's {@code model} property untouched.
   */
  @Test
  void aToolCallReachesTheClientAsTheProviderSentIt() throws Exception {
    String required = chat("fast").replace("\"max_tokens\":16", "\"tool_choice\":\"required\"");
    HttpResponse<String> json = gateway.post("/v1/chat/completions", KEY, required, Map.of());
    assertThat(json.statusCode()).as(json.body()).isEqualTo(200);
    JsonNode choice = JSON.readTree(json.body()).path("choices").get(0);
    assertThat(choice.path("finish_reason").asText()).isEqualTo("tool_calls");
    JsonNode call = choice.path("message").path("tool_calls").get(0);
    assertThat(call.path("function").path("name").asText()).isEqualTo("pick");
    assertThat(call.path("function").path("arguments").asText()).isEqualTo("{\"model\":\"fast\"}");

    String streamed = required.replace("\"tool_choice\"", "\"stream\":true,\"tool_choice\"");
    HttpResponse<String> stream = gateway.post("/v1/chat/completions", KEY, streamed, Map.of());
    assertThat(stream.statusCode()).as(stream.body()).isEqualTo(200);
    StringBuilder arguments = new StringBuilder();
    for (String event : stream.body().split("\n\n")) {
      if (event.startsWith("data: {")) {
        JsonNode delta = JSON.readTree(event.substring(6)).at("/choices/0/delta/tool_calls/0");
        arguments.append(delta.path("function").path("arguments").asText(""));
      }
    }
    assertThat(stream.body())
        .contains("\"finish_reason\":\"tool_calls\"")
        .endsWith("data: [DONE]\n\n");
    assertThat(arguments.toString()).isEqualTo("{\"model\":\"fast\"}");
    for (Provider provider : List.of(openai, vllm)) {
      if (!provider.received().isEmpty()) {
        assertEveryRequestWasItsOwn(provider);
      }
    }
  }

  /**
   * Every request the provider received was accepted on path, key and model (the emulator answered
   * 200, or 503 in an outage, never a refusal); its body is exactly the client's apart from the
   * top-level model (and the output cap the gateway may write), and its content-length is the
   * body's.
   */
  private static void assertEveryRequestWasItsOwn(Provider provider) throws Exception {
    JsonNode sentMessages = JSON.readTree(MESSAGES);
    JsonNode sentTools = JSON.readTree(TOOLS);
    List<AnsweredRequest> answered = provider.server().answered();
    assertThat(answered).as("%s received nothing", provider.name()).isNotEmpty();
    for (AnsweredRequest a : answered) {
      ReceivedRequest r = a.request();
      String what =
          provider.name() + " answered " + a.status() + " to " + r.path() + " " + r.bodyText();
      assertThat(a.status()).as(what).isIn(200, 503);
      assertThat(r.header("content-length")).as(what).contains(Integer.toString(r.body().length));
      JsonNode body = json(r);
      assertThat(body.path("messages")).as(what).isEqualTo(sentMessages);
      assertThat(body.path("tools")).as(what).isEqualTo(sentTools);
      assertThat(r.headers().values())
          .as(what)
          .noneMatch(values -> values.stream().anyMatch(v -> v.contains(KEY)));
      assertThat(r.headers())
          .as("the attempt's model header stays in the gateway: %s", what)
          .doesNotContainKeys(Wire.UPSTREAM_MODEL_HEADER, Wire.TRANSLATION_HEADER);
    }
  }

  private static JsonNode json(ReceivedRequest request) {
    try {
      return JSON.readTree(request.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
