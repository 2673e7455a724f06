package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The usage ledger of {@code tollgate run} (its embedded default) through a real Envoy: every
 * finished request is one record, refusals included, and the ledger's tokens per client equal what
 * the budget store committed; the ledger outlives a restart.
 */
class LedgerIT {
  TollgateRun gateway;

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
  }

  private static String chat(int maxTokens, boolean stream) {
    return BudgetIT.chat(maxTokens, stream);
  }

  private JsonNode report(String by) throws Exception {
    String period = YearMonth.now(ZoneOffset.UTC).toString();
    HttpResponse<String> r =
        TollgateRun.get(
            gateway.metricsUrl() + "/usage/report?period=" + period + "&by=" + by + "&output=json",
            null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return BudgetIT.JSON.readTree(r.body());
  }

  private long totalRequests() throws Exception {
    long n = 0;
    for (JsonNode t : report("namespace").path("totals")) {
      n += t.path("requests").asLong();
    }
    return n;
  }

  @Test
  void everyRequestIsOneRecordAndTheLedgerAgreesWithTheCommittedBudget() throws Exception {
    Path work = Path.of("target/e2e/ledger").toAbsolutePath();
    // The embedded ledger is a file in the work folder: start from none.
    if (java.nio.file.Files.exists(work)) {
      try (var files = java.nio.file.Files.walk(work)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    gateway = TollgateRun.start("budgets", work, Map.of("ENFORCE_TOKENS", "150"));
    int sent = 0;
    int refused = 0;
    Map<String, Integer> served = new HashMap<>();
    for (int i = 0; i < 40; i++) {
      String key = i % 2 == 0 ? BudgetIT.BOB : BudgetIT.CAROL;
      HttpResponse<String> r =
          gateway.post("/v1/chat/completions", key, chat(10 + i % 5, i % 3 == 0), Map.of());
      sent++;
      if (r.statusCode() == 429) {
        refused++;
      } else {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        served.merge(key, 1, Integer::sum);
      }
    }
    assertThat(
            gateway
                .post("/v1/chat/completions", "tg-not-a-key-at-all-0", chat(5, false), Map.of())
                .statusCode())
        .isEqualTo(401);
    sent++;
    assertThat(refused).as("the budget refused some requests").isPositive();
    // The Messages and Responses APIs (translated to the demo's chat completions, or served as
    // they are) are their own API in the ledger, though a trace names both operations chat.
    HttpResponse<String> messages =
        gateway.post(
            "/v1/messages",
            BudgetIT.DAVE,
            "{\"model\":\"demo-chat\",\"max_tokens\":6,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hello there\"}]}",
            Map.of("anthropic-version", "2023-06-01"));
    assertThat(messages.statusCode()).as(messages.body()).isEqualTo(200);
    HttpResponse<String> responses =
        gateway.post(
            "/v1/responses",
            BudgetIT.DAVE,
            "{\"model\":\"demo-chat\",\"max_output_tokens\":16,\"input\":\"Hello there\"}",
            Map.of());
    assertThat(responses.statusCode()).as(responses.body()).isEqualTo(200);
    assertThat(
            gateway
                .post("/v1/chat/completions", BudgetIT.DAVE, chat(5, false), Map.of())
                .statusCode())
        .isEqualTo(200);
    sent += 3;

    Awaitility.await("the budget's reservations released")
        .atMost(Duration.ofSeconds(20))
        .until(() -> RedisRestartIT.reserved(gateway) == 0);
    int expected = sent;
    Awaitility.await("every request in the ledger")
        .atMost(Duration.ofSeconds(20))
        .until(() -> totalRequests() == expected);

    JsonNode byBudget = report("namespace,client,budget");
    long ledgerRefused = 0;
    Map<String, Long> ledgerTokens = new HashMap<>();
    for (JsonNode row : byBudget.path("rows")) {
      if ("refused".equals(row.path("budget").asText())) {
        ledgerRefused += row.path("requests").asLong();
      }
      if ("enforce".equals(row.path("namespace").asText())) {
        ledgerTokens.merge(
            row.path("client").asText(),
            row.path("input_tokens").asLong() + row.path("output_tokens").asLong(),
            Long::sum);
      }
    }
    assertThat(ledgerRefused).isEqualTo(refused);

    Map<String, Long> byApi = new HashMap<>();
    for (JsonNode row : report("namespace,api").path("rows")) {
      if ("warn".equals(row.path("namespace").asText())) {
        byApi.merge(row.path("api").asText(), row.path("requests").asLong(), Long::sum);
      }
    }
    assertThat(byApi)
        .as("the warn namespace's requests by API")
        .isEqualTo(Map.of("chat", 1L, "messages", 1L, "responses", 1L));

    JsonNode quota =
        BudgetIT.find(
            BudgetIT.JSON.readTree(TollgateRun.get(gateway.metricsUrl() + "/usage", null).body()),
            "enforce",
            "budget");
    Map<String, Long> committed = new HashMap<>();
    for (JsonNode bucket : quota.path("buckets")) {
      String name = bucket.path("bucket").asText();
      committed.put(
          name.contains("bob") ? "bob" : name.contains("carol") ? "carol" : name,
          Long.parseLong(bucket.path("used").asText()));
    }
    assertThat(ledgerTokens).as(quota.toPrettyString()).isEqualTo(committed);

    // A restarted gateway still reports what the embedded file holds.
    gateway.close();
    gateway = gateway.restart();
    assertThat(totalRequests()).isEqualTo(expected);

    // The published configuration is in the audit trail: the first version added every resource.
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              HttpResponse<String> audit =
                  TollgateRun.get(gateway.metricsUrl() + "/audit?output=json", null);
              assertThat(audit.statusCode()).as(audit.body()).isEqualTo(200);
              JsonNode versions = BudgetIT.JSON.readTree(audit.body());
              assertThat(versions.size()).as(audit.body()).isGreaterThanOrEqualTo(2);
              JsonNode first = versions.get(versions.size() - 1);
              assertThat(first.path("previousVersion").isNull()).as(audit.body()).isTrue();
              assertThat(first.path("changes").toString())
                  .as(audit.body())
                  .contains("\"what\":\"added\"")
                  .contains("\"kind\":\"AIRoute\"");
              // Envoy's ACK of the version the restarted gateway published, from the ADS tracker.
              assertThat(versions.get(0).path("envoy").toString())
                  .as(audit.body())
                  .contains("\"answer\":\"ack\"");
            });
  }
}
