package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.e2e.ExpectingProvider.Dialect;
import dev.tollgate.e2e.ExpectingProvider.Received;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every attempt carries the request its backend accepts, through {@code tollgate run} and a real
 * Envoy: a split across two upstream models (the README's canary) and fallbacks across models and
 * providers. Each provider is a stand-in that refuses any other model, path or key as the provider
 * would, and the test reads what each one received.
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

  static ExpectingProvider openai;
  static ExpectingProvider openaiDown;
  static ExpectingProvider vllm;
  static ExpectingProvider azure;
  static ExpectingProvider gemini;
  static TollgateRun gateway;

  @BeforeAll
  static void start() {
    openai =
        new ExpectingProvider(
            "openai",
            Dialect.OPENAI,
            "/v1/chat/completions",
            "authorization",
            "Bearer sk-openai-e2e-0001",
            "gpt-4o-mini",
            false);
    openaiDown =
        new ExpectingProvider(
            "openai-down",
            Dialect.OPENAI,
            "/v1/chat/completions",
            "authorization",
            "Bearer sk-openai-down-e2e-0002",
            "gpt-4o",
            true);
    vllm =
        new ExpectingProvider(
            "vllm",
            Dialect.VLLM,
            "/serving/v1/chat/completions",
            "authorization",
            "Bearer vllm-e2e-0003",
            "llama-3.1-8b-instruct",
            false);
    azure =
        new ExpectingProvider(
            "azure",
            Dialect.AZURE,
            "/openai/deployments/gpt-4o-mini-eu/chat/completions?api-version=2024-10-21",
            "api-key",
            "azure-e2e-0004",
            "gpt-4o-mini",
            false);
    gemini =
        new ExpectingProvider(
            "gemini",
            Dialect.OPENAI,
            "/v1beta/openai/chat/completions",
            "x-goog-api-key",
            "gemini-e2e-0005",
            "gemini-2.0-flash",
            false);
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

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.close();
    }
    for (ExpectingProvider p : new ExpectingProvider[] {openai, openaiDown, vllm, azure, gemini}) {
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
      assertThat(response.body())
          .contains("\"finish_reason\":\"stop\"")
          .endsWith("data: [DONE]\n\n");
    }
    for (ExpectingProvider provider : List.of(openai, vllm)) {
      int before = provider == openai ? openaiBefore : vllmBefore;
      List<Received> streams = provider.received().subList(before, provider.received().size());
      assertThat(streams).as("40 streamed requests reached %s", provider.name()).isNotEmpty();
      assertThat(streams)
          .allSatisfy(
              r ->
                  assertThat(r.json().path("stream_options").path("include_usage").asBoolean())
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
  }

  /**
   * Every request the provider received was accepted on path, key and model; its body is exactly
   * the client's apart from the top-level model (and the output cap the gateway may write), and its
   * content-length is the body's.
   */
  private static void assertEveryRequestWasItsOwn(ExpectingProvider provider) throws Exception {
    JsonNode sentMessages = JSON.readTree(MESSAGES);
    JsonNode sentTools = JSON.readTree(TOOLS);
    assertThat(provider.received()).as("%s received nothing", provider.name()).isNotEmpty();
    for (Received r : provider.received()) {
      String what = provider.name() + " received " + r.path() + " " + new String(r.body());
      assertThat(r.status()).as(what).isIn(200, 503);
      assertThat(r.headers().get("content-length"))
          .as(what)
          .isEqualTo(Integer.toString(r.body().length));
      JsonNode body = r.json();
      assertThat(body.path("messages")).as(what).isEqualTo(sentMessages);
      assertThat(body.path("tools")).as(what).isEqualTo(sentTools);
      assertThat(r.headers().values()).as(what).noneMatch(v -> v.contains(KEY));
    }
  }
}
