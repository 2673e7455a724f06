package dev.tollgate.processor;

import static dev.tollgate.processor.ProcessorExchangeTest.metadata;
import static dev.tollgate.processor.ProcessorExchangeTest.setHeaders;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.model.Wire;
import dev.tollgate.testkit.MutableClock;
import io.envoyproxy.envoy.service.ext_proc.v3.CommonResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Tiered use: a rule's requests fall to its cheaper tier when the budgets say so. */
class TierFallbackTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String INTERN_KEY = "tg-test-intern-key-000003";

  private static final String YAML =
      """
      apiVersion: v1
      kind: Secret
      metadata:
        name: alice
        namespace: team-a
        labels: {tollgate.dev/client-key: "true"}
      stringData: {apiKey: %s}
      ---
      apiVersion: v1
      kind: Secret
      metadata:
        name: intern
        namespace: team-a
        labels: {tollgate.dev/client-key: "true"}
        annotations: {tollgate.dev/models: "smart"}
      stringData: {apiKey: %s}
      ---
      apiVersion: tollgate.dev/v1alpha1
      kind: ModelProvider
      metadata: {name: local, namespace: team-a}
      spec:
        type: OpenAICompatible
        endpoint: {url: "http://127.0.0.1:9"}
        models: [{name: big-model}, {name: fast}]
      ---
      apiVersion: tollgate.dev/v1alpha1
      kind: AIRoute
      metadata: {name: chat, namespace: team-a}
      spec:
        clients: {apiKeys: {secretSelector: {matchLabels: {tollgate.dev/client-key: "true"}}}}
        rules:
          - models: [smart]
            backends: [{provider: {name: local}, model: big-model}]
            tier: {model: fast}
          - models: [fast]
            backends: [{provider: {name: local}, model: fast}]
      """
          .formatted(TestModels.ALICE_KEY, INTERN_KEY);

  private record Asked(String model, long reserve, boolean atWarn) {}

  private final List<Asked> asked = new CopyOnWriteArrayList<>();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final List<dev.tollgate.ledger.LedgerRecord> ledger = new CopyOnWriteArrayList<>();
  private volatile TierProbe.Fall answer;
  private ExtProcClient client;

  @BeforeEach
  void start() throws Exception {
    Processor processor =
        new Processor(
            ProcessorConfig.defaults(),
            new MutableClock(Instant.parse("2026-03-10T10:00:00Z")),
            registry,
            line -> {});
    processor.update(TestModels.build(YAML));
    processor.recordTo(ledger::add);
    processor.tierProbe(
        (namespace, route, clientId, model, reserve, atWarn) -> {
          asked.add(new Asked(model, reserve, atWarn));
          return CompletableFuture.completedFuture(answer);
        });
    client = new ExtProcClient(processor);
  }

  @AfterEach
  void stop() {
    client.close();
  }

  @Test
  void aRequestTheBudgetsSendDownIsRoutedToTheTierAndTheResponseSaysSo() throws Exception {
    answer = new TierProbe.Fall("warn", "team-a/budgets", "tokens-per-minute");
    ExtProcClient.Stream s = client.open();
    s.requestHeaders(
        false, ProcessorExchangeTest.post("authorization", "Bearer " + TestModels.ALICE_KEY));
    ProcessingResponse body =
        s.requestBody(
            "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"model\":\"smart\","
                + "\"max_tokens\":50}");
    CommonResponse common = body.getRequestBody().getResponse();
    assertThat(setHeaders(common)).containsEntry(Wire.MODEL_HEADER, "fast");
    assertThat(metadata(body)).containsEntry(Wire.MODEL_KEY, "fast");
    // The tier's single upstream model is named like the tier: the body is rewritten all the same.
    String sent = common.getBodyMutation().getBody().toStringUtf8();
    assertThat(JSON.readTree(sent).path("model").asText()).isEqualTo("fast");
    assertThat(asked).hasSize(1);
    assertThat(asked.get(0).model()).isEqualTo("smart");
    assertThat(asked.get(0).atWarn()).isTrue();
    assertThat(asked.get(0).reserve()).isGreaterThan(50);

    ProcessingResponse headers =
        s.responseHeaders(false, ":status", "200", "content-type", "application/json");
    assertThat(setHeaders(headers.getResponseHeaders().getResponse()))
        .containsEntry(
            Downgrade.HEADER,
            "fast; from=smart; reason=warn; quota=team-a/budgets; limit=tokens-per-minute");
    assertThat(
            registry
                .get("tollgate.processor.downgrades")
                .tags("gen_ai.request.model", "smart", "tollgate.tier", "fast")
                .counter()
                .count())
        .isEqualTo(1.0);
    s.responseBody(
        "{\"id\":\"c1\",\"model\":\"fast\",\"choices\":[{\"message\":{\"content\":\"ok\"}}],"
            + "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1}}",
        true);
    s.complete();
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(10))
        .until(() -> !ledger.isEmpty());
    assertThat(ledger.get(0).budget())
        .isEqualTo(dev.tollgate.ledger.LedgerRecord.Budget.DOWNGRADED);
  }

  @Test
  void aRequestTheBudgetsKeepStaysOnItsModel() throws Exception {
    answer = null;
    ProcessingResponse body = send(TestModels.ALICE_KEY, "smart");
    assertThat(setHeaders(body.getRequestBody().getResponse()))
        .containsEntry(Wire.MODEL_HEADER, "smart");
    assertThat(asked).hasSize(1);
  }

  @Test
  void untieredRulesAndKeysThatMayNotCallTheTierNeverAsk() throws Exception {
    answer = new TierProbe.Fall("exhausted", "team-a/budgets", "tokens-per-minute");
    assertThat(setHeaders(send(TestModels.ALICE_KEY, "fast").getRequestBody().getResponse()))
        .containsEntry(Wire.MODEL_HEADER, "fast");
    assertThat(setHeaders(send(INTERN_KEY, "smart").getRequestBody().getResponse()))
        .containsEntry(Wire.MODEL_HEADER, "smart");
    assertThat(asked).isEmpty();
  }

  private ProcessingResponse send(String key, String model) throws Exception {
    ExtProcClient.Stream s = client.open();
    s.requestHeaders(false, ProcessorExchangeTest.post("authorization", "Bearer " + key));
    return s.requestBody(
        "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"model\":\"" + model + "\"}");
  }
}
