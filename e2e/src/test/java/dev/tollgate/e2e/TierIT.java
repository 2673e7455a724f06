package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.emulator.EmulatorServer;
import dev.tollgate.emulator.ReceivedRequest;
import dev.tollgate.emulator.openai.EmulatedModel;
import dev.tollgate.emulator.openai.OpenAiEmulator;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tiered use through real Envoy: once smart's budget is past its warn threshold its requests are
 * served by fast's backend (the strict OpenAI emulator sees fast's upstream model), the response
 * says so, the quota's usage counts the falls, and an exhausted tier still answers 429.
 */
class TierIT {
  static final String KEY = "tg-e2e-tiers-alice-0001";
  static final ObjectMapper JSON = new ObjectMapper();
  static EmulatorServer openai;
  static TollgateRun gateway;

  @BeforeAll
  static void start() throws Exception {
    // The embedded ledger is a file in the work folder: start from none.
    ExternalRateLimitIT.deleteTree(Path.of("target/e2e/tiers").toAbsolutePath());
    openai =
        EmulatorServer.start(
            "127.0.0.1",
            0,
            List.of(
                OpenAiEmulator.serving(
                    List.of(EmulatedModel.named("big-model"), EmulatedModel.named("small-model")),
                    "sk-tiers-e2e-0001")),
            0);
    gateway =
        TollgateRun.start(
            "tiers",
            Path.of("target/e2e/tiers").toAbsolutePath(),
            Map.of("OPENAI_URL", "http://127.0.0.1:" + openai.port()));
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.close();
    }
    if (openai != null) {
      openai.close();
    }
  }

  static HttpResponse<String> smart() {
    return gateway.post(
        "/v1/chat/completions",
        KEY,
        "{\"model\":\"smart\",\"max_tokens\":8,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}",
        Map.of());
  }

  /** The model the emulator was sent in the last request it received. */
  static String lastUpstreamModel() throws Exception {
    List<ReceivedRequest> received = openai.received();
    assertThat(received).as("requests the emulator received").isNotEmpty();
    return JSON.readTree(received.get(received.size() - 1).bodyText()).path("model").asText();
  }

  @Test
  void smartFallsToFastPastWarnAndAnExhaustedTierStillGets429() throws Exception {
    // Two requests leave smart's bucket below 60% of 5 after them: served by smart's backend.
    for (int i = 0; i < 2; i++) {
      HttpResponse<String> served = smart();
      assertThat(served.statusCode()).as(served.body()).isEqualTo(200);
      assertThat(served.headers().firstValue("x-tollgate-downgraded")).isEmpty();
      assertThat(lastUpstreamModel()).isEqualTo("big-model");
    }
    // The third would reach the warn threshold: it falls to fast, whose own bucket counts it.
    for (int i = 0; i < 5; i++) {
      HttpResponse<String> fallen = smart();
      assertThat(fallen.statusCode()).as("fallen request %d: %s", i, fallen.body()).isEqualTo(200);
      assertThat(fallen.headers().firstValue("x-tollgate-downgraded"))
          .hasValueSatisfying(
              v ->
                  assertThat(v)
                      .startsWith("fast; from=smart; reason=warn; quota=e2e/budgets")
                      .contains("limit=requests-per-model"));
      assertThat(lastUpstreamModel()).isEqualTo("small-model");
      assertThat(JSON.readTree(fallen.body()).path("model").asText()).startsWith("small-model");
    }
    // fast's 5 requests are used: the tier is exhausted, and the budget refuses.
    int before = openai.received().size();
    HttpResponse<String> refused = smart();
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(429);
    assertThat(openai.received()).hasSize(before);

    JsonNode usage = JSON.readTree(TollgateRun.get(gateway.metricsUrl() + "/usage", null).body());
    JsonNode smartBucket = null;
    for (JsonNode quota : usage) {
      for (JsonNode bucket : quota.path("buckets")) {
        if (bucket.path("bucket").asText().equals("model=smart")) {
          smartBucket = bucket;
        }
      }
    }
    assertThat(smartBucket).as(usage.toPrettyString()).isNotNull();
    assertThat(smartBucket.path("used").asText()).isEqualTo("2");
    assertThat(smartBucket.path("downgraded").asLong()).as(usage.toPrettyString()).isEqualTo(6);
    String metrics = TollgateRun.get(gateway.metricsUrl() + "/metrics", null).body();
    assertThat(metrics)
        .containsPattern("tollgate_processor_downgrades_total\\{[^}]*tollgate_reason=\"warn\"");

    // The ledger: the five fallen requests are downgraded, the one the tier refused is refused.
    Map<String, Long> expected = Map.of("committed", 2L, "downgraded", 5L, "refused", 1L);
    Awaitility.await("every request in the ledger")
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(() -> assertThat(ledgerRequestsByBudget()).isEqualTo(expected));
  }

  /** The ledger's requests by budget outcome, this month. */
  static Map<String, Long> ledgerRequestsByBudget() throws Exception {
    String period = YearMonth.now(ZoneOffset.UTC).toString();
    HttpResponse<String> r =
        TollgateRun.get(
            gateway.metricsUrl() + "/usage/report?period=" + period + "&by=budget&output=json",
            null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    Map<String, Long> requests = new TreeMap<>();
    for (JsonNode row : JSON.readTree(r.body()).path("rows")) {
      requests.merge(row.path("budget").asText(), row.path("requests").asLong(), Long::sum);
    }
    return requests;
  }
}
