package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Output reserves of requests without max_tokens through {@code tollgate run} and real Envoy: the
 * quickstart's 20,000 tokens per client per minute admits about four concurrent requests while the
 * model has no history (each reserves the 4,096 written cap), and all of a burst of forty once the
 * model's recent completions size the reserve; a provider that writes to the cap still stops at it,
 * (C − R) above the reservation; the reservation, realized usage and cost are on /metrics.
 */
class ReserveIT {
  static final String KEY = "tg-e2e-alice-reserve-01";
  static final String UNCAPPED =
      "{\"model\":\"demo-chat\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello there\"}]}";
  static final long CAP = 4096;

  TollgateRun gateway;

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
  }

  record Burst(int ok, int limited) {}

  /** Sends {@code n} requests at once, each held by the provider for {@code holdMillis}. */
  Burst burst(int n, long holdMillis) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      List<Future<HttpResponse<String>>> calls = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        calls.add(
            pool.submit(
                () ->
                    gateway.post(
                        "/v1/chat/completions",
                        KEY,
                        UNCAPPED,
                        Map.of("x-demo-delay-ms", Long.toString(holdMillis)))));
      }
      int ok = 0;
      int limited = 0;
      for (Future<HttpResponse<String>> call : calls) {
        HttpResponse<String> response = call.get();
        if (response.statusCode() == 200) {
          ok++;
        } else {
          assertThat(response.statusCode()).as(response.body()).isEqualTo(429);
          limited++;
        }
      }
      return new Burst(ok, limited);
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * Waits (at most a minute) until the current budget minute has at least 25 seconds left, so that
   * every request of a burst reserves in the same window.
   */
  static void awaitRoomInTheMinute() {
    Awaitility.await("25 s left in the minute")
        .atMost(Duration.ofSeconds(61))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> Instant.now().atOffset(ZoneOffset.UTC).getSecond() <= 35);
  }

  @Test
  void historySizedReservesAdmitManyMoreConcurrentRequestsAndACapWriterStaysBounded()
      throws Exception {
    gateway =
        TollgateRun.start("reserve", Path.of("target/e2e/reserve").toAbsolutePath(), Map.of());

    // Cold start: every request reserves its prompt + the 4,096 written cap; 5 × 4,097 > 20,000.
    awaitRoomInTheMinute();
    Burst cold = burst(12, 15_000);
    assertThat(cold.ok()).as("cold burst admitted").isBetween(1, 4);
    assertThat(cold.limited()).isPositive();

    // History: 20 complete answers without max_tokens size demo-chat's reserve.
    for (int i = 0; i < 24; i++) {
      HttpResponse<String> r = gateway.post("/v1/chat/completions", KEY, UNCAPPED, Map.of());
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }
    awaitRoomInTheMinute();
    Burst warm = burst(40, 5_000);
    assertThat(warm).as("warm burst").isEqualTo(new Burst(40, 0));

    // A provider that writes to the cap: it was told 4,096 and stopped there, although the
    // request reserved far less output; the commit charged what it wrote.
    HttpResponse<String> verbose =
        gateway.post("/v1/chat/completions", KEY, UNCAPPED, Map.of("x-demo-words", "100000"));
    assertThat(verbose.statusCode()).as(verbose.body()).isEqualTo(200);
    JsonNode usage = BudgetIT.JSON.readTree(verbose.body()).path("usage");
    assertThat(usage.path("completion_tokens").asLong()).isEqualTo(CAP);
    String id = verbose.headers().firstValue("x-request-id").orElseThrow();
    JsonNode line = accessLine(id);
    long reservedOutput =
        line.path("reserve_tokens").asLong() - line.path("estimated_input_tokens").asLong();
    assertThat(reservedOutput).isPositive().isLessThan(100);
    assertThat(line.path("output_tokens").asLong()).isEqualTo(CAP);
    assertThat(line.path("output_tokens").asLong() - reservedOutput)
        .as("overshoot of the reservation, at most C − R")
        .isLessThanOrEqualTo(CAP - reservedOutput);

    // A rule's fixed reserve.
    HttpResponse<String> fixed =
        gateway.post(
            "/v1/chat/completions", KEY, UNCAPPED.replace("demo-chat", "demo-fixed"), Map.of());
    assertThat(fixed.statusCode()).as(fixed.body()).isEqualTo(200);
    JsonNode fixedLine = accessLine(fixed.headers().firstValue("x-request-id").orElseThrow());
    assertThat(
            fixedLine.path("reserve_tokens").asLong()
                - fixedLine.path("estimated_input_tokens").asLong())
        .isEqualTo(256);

    // Namespace free has no quota: its request is served and priced all the same.
    HttpResponse<String> free =
        gateway.post("/v1/chat/completions", "tg-e2e-bob-reserve-0001", UNCAPPED, Map.of());
    assertThat(free.statusCode()).as(free.body()).isEqualTo(200);
    accessLine(free.headers().firstValue("x-request-id").orElseThrow());

    String metrics = TollgateRun.get(gateway.metricsUrl() + "/metrics", null).body();
    String chat = "gen_ai_request_model=\"demo-chat\"";
    String team = "tollgate_namespace=\"team\"";
    String reservations = "tollgate_processor_reservation_tokens_count";
    assertThat(metric(metrics, reservations, chat, team, source("history")))
        .isGreaterThanOrEqualTo(40);
    assertThat(metric(metrics, reservations, chat, team, source("cap"))).isGreaterThanOrEqualTo(20);
    assertThat(metric(metrics, reservations, "gen_ai_request_model=\"demo-fixed\"", source("rule")))
        .isEqualTo(1);
    assertThat(
            metric(
                metrics, "tollgate_processor_realized_tokens_sum", chat, team, source("history")))
        .isGreaterThan(CAP);
    assertThat(
            metric(
                metrics,
                "tollgate_processor_cost_total",
                chat,
                "tollgate_namespace=\"team\"",
                "tollgate_client=\"alice\"",
                "tollgate_provider=\"shared/demo\"",
                "currency=\"USD\""))
        .isPositive();
    // 7 input tokens at 1 USD and 21 output tokens at 2 USD per million.
    assertThat(
            metric(
                metrics,
                "tollgate_processor_cost_total",
                "tollgate_namespace=\"free\"",
                "tollgate_client=\"bob\"",
                "currency=\"USD\""))
        .isCloseTo(0.000049, org.assertj.core.data.Offset.offset(1e-12));
  }

  static String source(String source) {
    return "tollgate_reserve_source=\"" + source + "\"";
  }

  /** The access-log line of a request, waiting for it to be written. */
  JsonNode accessLine(String requestId) {
    return Awaitility.await("the access-log line of " + requestId)
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              for (String line : gateway.logLines()) {
                int json = line.indexOf("{\"time\"");
                if (line.contains("tollgate.access") && json >= 0 && line.contains(requestId)) {
                  try {
                    return BudgetIT.JSON.readTree(line.substring(json));
                  } catch (Exception e) {
                    return null;
                  }
                }
              }
              return null;
            },
            java.util.Objects::nonNull);
  }

  /** The value of the one sample of {@code name} whose labels include all of {@code labels}. */
  static double metric(String text, String name, String... labels) {
    Pattern sample = Pattern.compile("^" + Pattern.quote(name) + "\\{([^}]*)\\} (\\S+)$");
    Double found = null;
    for (String line : text.split("\n")) {
      Matcher m = sample.matcher(line);
      if (!m.matches()) {
        continue;
      }
      boolean all = true;
      for (String label : labels) {
        all &= m.group(1).contains(label);
      }
      if (all) {
        assertThat(found).as("more than one %s with %s", name, List.of(labels)).isNull();
        found = Double.parseDouble(m.group(2));
      }
    }
    assertThat(found).as("no %s with %s in /metrics", name, List.of(labels)).isNotNull();
    return found;
  }
}
