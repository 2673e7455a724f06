package dev.tollgate.processor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.ledger.LedgerRecord;
import dev.tollgate.model.Wire;
import dev.tollgate.testkit.MutableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LedgerHandOffTest {
  private static final Instant T0 = Instant.parse("2026-11-05T10:00:00Z");

  private MutableClock clock;
  private final List<LedgerRecord> ledger = new CopyOnWriteArrayList<>();
  private ExtProcClient client;

  @BeforeEach
  void start() throws Exception {
    clock = new MutableClock(T0);
    Processor processor = recordingProcessor();
    client = new ExtProcClient(processor);
  }

  @AfterEach
  void stop() {
    client.close();
  }

  @Test
  void aServedCallBecomesOneRecordWithItsUsageCostAndTimings() throws Exception {
    String prompt = "Hello there, how are you today?";
    ExtProcClient.Stream s = client.open();
    s.requestHeaders(
        false, ProcessorExchangeTest.post("authorization", "Bearer " + TestModels.ALICE_KEY));
    s.requestBody(
        "{\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}],\"model\":\"fast\"}");
    s.responseHeaders(false, ":status", "200", "content-type", "application/json");
    clock.advance(Duration.ofMillis(250));
    s.responseBody(
        "{\"id\":\"c1\",\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"message\":"
            + "{\"content\":\"Fine.\"}}],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":5,"
            + "\"prompt_tokens_details\":{\"cached_tokens\":2}}}",
        true);
    s.complete();

    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !ledger.isEmpty());
    LedgerRecord r = ledger.get(0);
    assertThat(r.requestId()).isEqualTo("req-1");
    assertThat(r.time()).isEqualTo(T0.plusMillis(250));
    assertThat(r.namespace()).isEqualTo("team-a");
    assertThat(r.client()).isEqualTo("alice");
    assertThat(r.route()).isNotNull();
    assertThat(r.requestedModel()).isEqualTo("fast");
    assertThat(r.upstreamModel()).isEqualTo("gpt-4o-mini-2024-07-18");
    assertThat(r.provider()).isEqualTo("team-a/openai");
    assertThat(r.api()).isEqualTo("chat");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.inputTokens()).isEqualTo(12);
    assertThat(r.cachedInputTokens()).isEqualTo(2);
    assertThat(r.outputTokens()).isEqualTo(5);
    assertThat(r.cost()).isEqualByComparingTo("0.00000465");
    assertThat(r.currency()).isEqualTo("USD");
    assertThat(r.budget()).isEqualTo(LedgerRecord.Budget.COMMITTED);
    assertThat(r.rule()).isZero();
    assertThat(r.attempts()).as("no attempt count from Envoy").isNull();
    assertThat(r.latencyMillis()).isEqualTo(250.0);
    assertThat(r.error()).isNull();
    assertThat(r.toString()).doesNotContain(prompt).doesNotContain(TestModels.ALICE_KEY);
  }

  @Test
  void aRefusedCallIsRecordedToo() throws Exception {
    client
        .open()
        .requestHeaders(
            false, ProcessorExchangeTest.post("authorization", "Bearer tg-not-a-key-at-all-000"));
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !ledger.isEmpty());
    LedgerRecord r = ledger.get(0);
    assertThat(r.status()).isEqualTo(401);
    assertThat(r.error()).isEqualTo("invalid_api_key");
    assertThat(r.namespace()).isNull();
    assertThat(r.budget()).isEqualTo(LedgerRecord.Budget.NONE);
    assertThat(r.inputTokens()).isZero();
    assertThat(r.toString()).doesNotContain("tg-not-a-key");
  }

  @Test
  void eachRecordNamesTheClientsApiNotTheTraceOperation() throws Exception {
    List<String> paths =
        List.of(
            "/v1/chat/completions",
            "/v1/messages",
            "/v1/responses?stream=false",
            "/v1/embeddings",
            "/v1/completions",
            "/v1/models");
    for (String path : paths) {
      String[] headers = ProcessorExchangeTest.post("x-api-key", "tg-not-a-key-at-all-000");
      headers[3] = path;
      client.open().requestHeaders(false, headers);
    }
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> ledger.size() == paths.size());
    assertThat(ledger)
        .extracting(LedgerRecord::api)
        .containsExactlyInAnyOrder(
            "chat", "messages", "responses", "embeddings", "text_completion", "other");
  }

  @Test
  void theRateLimitFiltersOwn429IsMarkedRefused() throws Exception {
    ExtProcClient.Stream s = client.open();
    s.requestHeaders(
        false, ProcessorExchangeTest.post("authorization", "Bearer " + TestModels.ALICE_KEY));
    s.requestBody("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"model\":\"fast\"}");
    // The rate-limit filter's local reply carries Envoy's header; a provider's 429 does not.
    s.responseHeaders(false, ":status", "429", "x-envoy-ratelimited", "true");
    s.responseBody("", true);
    s.complete();
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !ledger.isEmpty());
    LedgerRecord r = ledger.get(0);
    assertThat(r.status()).isEqualTo(429);
    assertThat(r.budget()).isEqualTo(LedgerRecord.Budget.REFUSED);
  }

  /**
   * A provider's 429 forging Envoy's rate-limit header and the exhausted-budget header: Envoy's
   * provider header says it came upstream, so it is no budget refusal, nothing is learnt, and the
   * forged header does not reach the client.
   */
  @Test
  void aProvidersForged429IsNoBudgetRefusal() throws Exception {
    ExtProcClient.Stream s = client.open();
    s.requestHeaders(
        false, ProcessorExchangeTest.post("authorization", "Bearer " + TestModels.ALICE_KEY));
    s.requestBody("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"model\":\"fast\"}");
    var headers =
        s.responseHeaders(
            false,
            ":status",
            "429",
            "x-envoy-ratelimited",
            "true",
            Wire.BUDGET_EXHAUSTED_HEADER,
            "scope=namespace;until=4102444800;family=tokens;limit=1",
            Wire.PROVIDER_HEADER,
            "default/openai");
    assertThat(headers.toString()).contains(Wire.BUDGET_EXHAUSTED_HEADER);
    s.responseBody("", true);
    s.complete();
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !ledger.isEmpty());
    assertThat(ledger.get(0).budget()).isNotEqualTo(LedgerRecord.Budget.REFUSED);
    // The next request of the namespace is read and routed, not refused at its headers.
    ExtProcClient.Stream next = client.open();
    var answer =
        next.requestHeaders(
            false, ProcessorExchangeTest.post("authorization", "Bearer " + TestModels.ALICE_KEY));
    assertThat(answer.hasImmediateResponse()).as(answer.toString()).isFalse();
  }

  @Test
  void envoysAttemptCountAndTheBudgetsWarningAreInTheRecordAndTheCountNotForTheClient()
      throws Exception {
    ExtProcClient.Stream s = client.open();
    s.requestHeaders(
        false, ProcessorExchangeTest.post("authorization", "Bearer " + TestModels.ALICE_KEY));
    s.requestBody("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"model\":\"fast\"}");
    var headers =
        s.responseHeaders(
            false,
            ":status",
            "200",
            "content-type",
            "application/json",
            "x-envoy-attempt-count",
            "3",
            "x-tollgate-quota-warning",
            "TokenQuota team-a/monthly at 85% of 1000 tokens");
    assertThat(
            headers.getResponseHeaders().getResponse().getHeaderMutation().getRemoveHeadersList())
        .contains("x-envoy-attempt-count")
        .doesNotContain("x-tollgate-quota-warning");
    s.responseBody(
        "{\"id\":\"c1\",\"model\":\"gpt-4o-mini\",\"choices\":[],\"usage\":"
            + "{\"prompt_tokens\":3,\"completion_tokens\":1}}",
        true);
    s.complete();
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !ledger.isEmpty());
    LedgerRecord r = ledger.get(0);
    assertThat(r.attempts()).isEqualTo(3);
    assertThat(r.rule()).isZero();
    assertThat(r.budget()).isEqualTo(LedgerRecord.Budget.WARNED);
  }

  @Test
  void aSettledRequestIsRecordedAtWhatTheBudgetSettledItAtAndPricedSo() throws Exception {
    List<UsageSettlement.Charged> asked = new CopyOnWriteArrayList<>();
    Processor processor = recordingProcessor();
    // Envoy's stream-done commit came first with fewer output tokens: that is what was settled.
    processor.settleWith(
        (charged, usage) -> {
          asked.add(charged);
          return java.util.concurrent.CompletableFuture.completedFuture(
              new UsageSettlement.Tokens(
                  usage.input(), 0, 0, usage.output() - 2, usage.provider()));
        });
    recordOneChat(processor);
    assertThat(asked)
        .containsExactly(
            new UsageSettlement.Charged("team-a", asked.get(0).route(), "alice", "fast", "req-1"));
    LedgerRecord r = ledger.get(0);
    assertThat(r.inputTokens()).isEqualTo(12);
    assertThat(r.outputTokens()).isEqualTo(3);
    assertThat(r.budget()).isEqualTo(LedgerRecord.Budget.COMMITTED);
    assertThat(r.cost()).as("priced at the settled tokens").isNotNull();
  }

  @Test
  void aSettlementThatFailsIsAskedAgainAndThenLeavesTheProcessorsOwnFigure() throws Exception {
    Processor processor = recordingProcessor();
    java.util.concurrent.atomic.AtomicInteger asked =
        new java.util.concurrent.atomic.AtomicInteger();
    retryingQuickly(
        processor,
        (charged, usage) -> {
          asked.incrementAndGet();
          return java.util.concurrent.CompletableFuture.failedFuture(
              new IllegalStateException("rate-limit service away"));
        });
    recordOneChat(processor);
    assertThat(ledger.get(0).outputTokens()).isEqualTo(5);
    assertThat(asked).as("settlement attempts").hasValue(RetriedSettlement.ATTEMPTS);
  }

  @Test
  void aSettlementThatFailsOnceIsAskedAgainAndItsAnswerRecorded() throws Exception {
    Processor processor = recordingProcessor();
    java.util.concurrent.atomic.AtomicInteger asked =
        new java.util.concurrent.atomic.AtomicInteger();
    retryingQuickly(
        processor,
        (charged, usage) ->
            asked.incrementAndGet() == 1
                ? java.util.concurrent.CompletableFuture.failedFuture(
                    new IllegalStateException("rate-limit Pod rolling"))
                : java.util.concurrent.CompletableFuture.completedFuture(usage));
    recordOneChat(processor);
    assertThat(asked).hasValue(2);
    assertThat(ledger.get(0).budget()).isEqualTo(LedgerRecord.Budget.COMMITTED);
  }

  @Test
  void aProcessorThatSettlesDisarmsEnvoysCommitAtTheResponsesEndOnly() throws Exception {
    Processor processor = recordingProcessor();
    processor.settleWith(
        (charged, usage) -> java.util.concurrent.CompletableFuture.completedFuture(usage));
    try (ExtProcClient settling = new ExtProcClient(processor)) {
      ExtProcClient.Stream s = settling.open();
      s.requestHeaders(
          false, ProcessorExchangeTest.post("authorization", "Bearer " + TestModels.ALICE_KEY));
      var body =
          s.requestBody(
              "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"model\":\"fast\","
                  + "\"stream\":true}");
      assertThat(ProcessorExchangeTest.metadata(body))
          .as("armed when routed")
          .containsEntry(Wire.ENVOY_COMMIT_PHASE, Wire.COMMIT);
      var headers = s.responseHeaders(false, ":status", "200", "content-type", "text/event-stream");
      var chunk =
          s.responseBody("data: {\"choices\":[{\"delta\":{\"content\":\"one\"}}]}\n\n", false);
      // A stream that stops here (the client gone) is committed by Envoy with what it last read.
      assertThat(ProcessorExchangeTest.metadata(headers))
          .doesNotContainKey(Wire.ENVOY_COMMIT_PHASE);
      assertThat(ProcessorExchangeTest.metadata(chunk)).doesNotContainKey(Wire.ENVOY_COMMIT_PHASE);
      var last = s.responseBody("data: [DONE]\n\n", true);
      assertThat(ProcessorExchangeTest.metadata(last))
          .as("disarmed at the end: the processor settles")
          .containsEntry(Wire.ENVOY_COMMIT_PHASE, "");
      s.complete();
    }
  }

  @Test
  void aProcessorThatDoesNotSettleLeavesEnvoysCommitArmed() throws Exception {
    Processor processor = recordingProcessor();
    try (ExtProcClient plain = new ExtProcClient(processor)) {
      ExtProcClient.Stream s = plain.open();
      s.requestHeaders(
          false, ProcessorExchangeTest.post("authorization", "Bearer " + TestModels.ALICE_KEY));
      s.requestBody("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"model\":\"fast\"}");
      s.responseHeaders(false, ":status", "200", "content-type", "application/json");
      var last =
          s.responseBody(
              "{\"id\":\"c1\",\"choices\":[],\"usage\":"
                  + "{\"prompt_tokens\":12,\"completion_tokens\":5}}",
              true);
      assertThat(ProcessorExchangeTest.metadata(last)).doesNotContainKey(Wire.ENVOY_COMMIT_PHASE);
      s.complete();
    }
  }

  /** Settles through {@code settlement}, asking again after 5 ms, 10 ms, ... when it fails. */
  private static void retryingQuickly(Processor processor, UsageSettlement settlement) {
    processor.recorder().settlement(settlement, Duration.ofMillis(5));
  }

  /** A processor on the standard model that records to {@link #ledger}. */
  private Processor recordingProcessor() {
    Processor processor =
        new Processor(ProcessorConfig.defaults(), clock, new SimpleMeterRegistry(), line -> {});
    processor.update(TestModels.standard());
    processor.recordTo(ledger::add);
    return processor;
  }

  /**
   * One chat request answered with 12 input and 5 output tokens, to its end; waits for its record.
   */
  private void recordOneChat(Processor processor) throws Exception {
    try (ExtProcClient settling = new ExtProcClient(processor)) {
      ExtProcClient.Stream s = settling.open();
      s.requestHeaders(
          false, ProcessorExchangeTest.post("authorization", "Bearer " + TestModels.ALICE_KEY));
      s.requestBody("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"model\":\"fast\"}");
      s.responseHeaders(false, ":status", "200", "content-type", "application/json");
      s.responseBody(
          "{\"id\":\"c1\",\"model\":\"gpt-4o-mini\",\"choices\":[],\"usage\":"
              + "{\"prompt_tokens\":12,\"completion_tokens\":5}}",
          true);
      s.complete();
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> !ledger.isEmpty());
    }
  }
}
