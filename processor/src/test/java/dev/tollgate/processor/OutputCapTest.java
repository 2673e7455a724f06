package dev.tollgate.processor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The output cap: which field each API reads, what is written there, and what is refused. */
class OutputCapTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final TokenEstimator ESTIMATOR = new TokenEstimator(4096);
  static final Policy POLICY = Policy.of(TestModels.standard(), ESTIMATOR);
  static final String CHAT = "/v1/chat/completions";

  /** gpt-4o-mini at OpenAI, context window 128,000. */
  static final Policy.Target OPENAI = POLICY.target("team-a", "fast");

  /** llama at an OpenAI-compatible server, context window 8,192. */
  static final Policy.Target COMPATIBLE = POLICY.target("team-a", "small");

  /** llama at an OpenAI-compatible server, no context window known. */
  static final Policy.Target UNBOUNDED = POLICY.target("team-b", "other");

  record Sent(long perChoice, JsonNode body) {}

  static Sent send(String path, Policy.Target target, long estimate, String body) throws Exception {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    RequestBody parsed = new RequestBodyParser(4096).parse(bytes, bytes.length);
    OutputCap.Decision cap = OutputCap.of(path, parsed, target, estimate, 4096);
    byte[] edited = BodyEdits.apply(bytes, bytes.length, cap.edits());
    // Strict again: an edit must never add a key the body already has.
    new RequestBodyParser(4096).parse(edited, edited.length);
    return new Sent(cap.perChoice(), JSON.readTree(edited));
  }

  static Rejection refusal(String path, Policy.Target target, String body) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    try {
      RequestBody parsed = new RequestBodyParser(4096).parse(bytes, bytes.length);
      OutputCap.of(path, parsed, target, 10, 4096);
    } catch (Rejection.Exception e) {
      return e.rejection();
    } catch (RequestBodyParser.InvalidBodyException e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("not refused: " + body);
  }

  @Test
  void writesTheDefaultCapInTheFieldTheProviderReads() throws Exception {
    Sent compatible = send(CHAT, UNBOUNDED, 10, "{\"model\":\"other\"}");
    assertThat(compatible.perChoice()).isEqualTo(4096);
    assertThat(compatible.body().path("max_tokens").asLong()).isEqualTo(4096);
    assertThat(compatible.body().has("max_completion_tokens")).isFalse();

    Sent openai = send(CHAT, OPENAI, 10, "{\"model\":\"fast\"}");
    assertThat(openai.body().path("max_completion_tokens").asLong()).isEqualTo(4096);
    assertThat(openai.body().has("max_tokens")).isFalse();
  }

  @Test
  void aRuleSplitAcrossOpenAiAndACompatibleServerGetsMaxTokens() throws Exception {
    Policy.Target split = POLICY.target("team-a", "split");
    assertThat(send(CHAT, split, 10, "{\"model\":\"split\"}").body().path("max_tokens").asLong())
        .isEqualTo(4096);
  }

  @Test
  void keepsTheClientsFieldAndBytesWhenItsValueFits() throws Exception {
    String body = "{\"model\":\"fast\",\"max_tokens\":100}";
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    RequestBody parsed = new RequestBodyParser(4096).parse(bytes, bytes.length);
    OutputCap.Decision cap = OutputCap.of(CHAT, parsed, OPENAI, 10, 4096);
    assertThat(cap.perChoice()).isEqualTo(100);
    assertThat(cap.edits()).isEmpty();
    assertThat(
            send(
                    CHAT,
                    UNBOUNDED,
                    10,
                    "{\"model\":\"o\",\"max_tokens\":100,\"max_completion_tokens\":100}")
                .perChoice())
        .isEqualTo(100);
  }

  @Test
  void aClientCapInAFieldTheServerMayIgnoreGetsTheReadFieldBesideIt() throws Exception {
    Sent sent = send(CHAT, UNBOUNDED, 10, "{\"model\":\"o\",\"max_completion_tokens\":50}");
    assertThat(sent.body().path("max_tokens").asLong()).isEqualTo(50);
    assertThat(sent.body().path("max_completion_tokens").asLong()).isEqualTo(50);
    Sent responsesField = send(CHAT, OPENAI, 10, "{\"model\":\"fast\",\"max_output_tokens\":50}");
    assertThat(responsesField.body().path("max_completion_tokens").asLong()).isEqualTo(50);
  }

  @Test
  void aNullCapIsReplacedRatherThanDuplicated() throws Exception {
    Sent sent = send(CHAT, UNBOUNDED, 10, "{\"model\":\"o\",\"max_tokens\":null}");
    assertThat(sent.body().path("max_tokens").asLong()).isEqualTo(4096);
    Sent both =
        send(
            CHAT,
            OPENAI,
            10,
            "{\"model\":\"fast\",\"max_tokens\":null,\"max_completion_tokens\":null}");
    assertThat(both.body().path("max_tokens").asLong()).isEqualTo(4096);
    assertThat(both.body().path("max_completion_tokens").asLong()).isEqualTo(4096);
  }

  @Test
  void theCapIsLoweredToWhatTheContextWindowLeavesAfterThePrompt() throws Exception {
    Sent sent = send(CHAT, COMPATIBLE, 8000, "{\"model\":\"small\"}");
    assertThat(sent.perChoice()).isEqualTo(192);
    assertThat(sent.body().path("max_tokens").asLong()).isEqualTo(192);
    Sent asked = send(CHAT, COMPATIBLE, 8000, "{\"model\":\"small\",\"max_tokens\":1000}");
    assertThat(asked.body().path("max_tokens").asLong()).isEqualTo(192);
    Sent full = send(CHAT, COMPATIBLE, 9000, "{\"model\":\"small\",\"max_tokens\":1000}");
    assertThat(full.perChoice()).isEqualTo(1);
  }

  @Test
  void aCapAboveTheContextWindowIsRefusedNamingTheField() {
    Rejection r = refusal(CHAT, COMPATIBLE, "{\"model\":\"small\",\"max_completion_tokens\":8193}");
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.code()).isEqualTo("invalid_value");
    assertThat(r.param()).isEqualTo("max_completion_tokens");
    assertThat(r.message()).contains("8192");
  }

  @Test
  void zeroIsRefusedExceptForLegacyCompletions() throws Exception {
    assertThat(refusal(CHAT, OPENAI, "{\"model\":\"fast\",\"max_tokens\":0}").param())
        .isEqualTo("max_tokens");
    Sent legacy = send("/v1/completions", OPENAI, 10, "{\"model\":\"fast\",\"max_tokens\":0}");
    assertThat(legacy.perChoice()).isZero();
    assertThat(legacy.body().path("max_tokens").asLong()).isZero();
  }

  @Test
  void eachApiGetsItsOwnField() throws Exception {
    assertThat(send("/v1/completions", OPENAI, 1, "{\"model\":\"fast\"}").body().has("max_tokens"))
        .isTrue();
    assertThat(send("/v1/messages", OPENAI, 1, "{\"model\":\"fast\"}").body().has("max_tokens"))
        .isTrue();
    assertThat(
            send("/v1/responses", OPENAI, 1, "{\"model\":\"fast\"}")
                .body()
                .path("max_output_tokens")
                .asLong())
        .isEqualTo(4096);
    Sent embeddings = send("/v1/embeddings", OPENAI, 1, "{\"model\":\"fast\",\"input\":\"x\"}");
    assertThat(embeddings.perChoice()).isZero();
    assertThat(embeddings.body().size()).isEqualTo(2);
  }

  @Test
  void azureGetsMaxCompletionTokensFromTheApiVersionThatKnowsIt() {
    assertThat(azure("2024-10-21").readsMaxCompletionTokens()).isTrue();
    assertThat(azure("2024-09-01-preview").readsMaxCompletionTokens()).isTrue();
    assertThat(azure("2024-06-01").readsMaxCompletionTokens()).isFalse();
  }

  static Policy.Target azure(String apiVersion) {
    String yaml =
        """
        apiVersion: v1
        kind: Secret
        metadata: {name: az-key, namespace: az}
        stringData: {apiKey: az-upstream-secret}
        ---
        apiVersion: tollgate.dev/v1alpha1
        kind: ModelProvider
        metadata: {name: az, namespace: az}
        spec:
          type: AzureOpenAI
          endpoint: {url: "https://example.openai.azure.com"}
          azure: {apiVersion: "%s"}
          credentials: {name: az-key}
          models: [{name: gpt-4o, deployment: gpt-4o}]
        ---
        apiVersion: tollgate.dev/v1alpha1
        kind: AIRoute
        metadata: {name: chat, namespace: az}
        spec:
          clients: {apiKeys: {secretSelector: {matchLabels: {tollgate.dev/client-key: "true"}}}}
          rules: [{models: [gpt-4o], backends: [{provider: {name: az}, model: gpt-4o}]}]
        """
            .formatted(apiVersion);
    return Policy.of(TestModels.build(yaml), ESTIMATOR).target("az", "gpt-4o");
  }
}
