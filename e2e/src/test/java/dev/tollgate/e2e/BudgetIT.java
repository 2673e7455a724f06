package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Token budgets enforced through {@code tollgate run}: reserve at the start, commit at the end. */
class BudgetIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String BOB = "tg-e2e-bob-key-00001";
  static final String CAROL = "tg-e2e-carol-key-0001";
  static final String DAVE = "tg-e2e-dave-key-00001";
  static final Pattern COMPLETION_TOKENS = Pattern.compile("\"completion_tokens\":\\s*(\\d+)");
  static final Pattern PROMPT_TOKENS = Pattern.compile("\"prompt_tokens\":\\s*(\\d+)");

  TollgateRun gateway;

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
  }

  static String chat(int maxTokens, boolean stream) {
    return "{\"model\":\"demo-chat\",\"max_tokens\":"
        + maxTokens
        + (stream ? ",\"stream\":true" : "")
        + ",\"messages\":[{\"role\":\"user\",\"content\":\"Hello there\"}]}";
  }

  @Test
  void enforcedBudgetAnswers429WithRateLimitHeadersAndUsageIsReadable() throws Exception {
    gateway =
        TollgateRun.start(
            "budgets",
            Path.of("target/e2e/budget-enforce").toAbsolutePath(),
            Map.of("ENFORCE_TOKENS", "100"));
    int served = 0;
    HttpResponse<String> response;
    do {
      response = gateway.post("/v1/chat/completions", BOB, chat(15, false), Map.of());
      if (response.statusCode() == 200) {
        served++;
        assertThat(response.headers().firstValue("x-ratelimit-limit-tokens")).contains("100");
        assertThat(response.headers().firstValue("x-ratelimit-remaining-tokens")).isPresent();
        assertThat(response.headers().firstValue("x-ratelimit-reset-tokens")).isPresent();
      }
    } while (response.statusCode() == 200 && served < 20);
    assertThat(served).isBetween(1, 10);
    assertThat(response.statusCode()).isEqualTo(429);
    assertThat(response.headers().firstValue("retry-after")).isPresent();
    assertThat(response.headers().firstValue("x-ratelimit-limit-tokens")).contains("100");
    JsonNode error = JSON.readTree(response.body()).path("error");
    assertThat(error.path("type").asText()).isEqualTo("rate_limit_exceeded");

    // Another client of the same namespace has its own bucket.
    assertThat(gateway.post("/v1/chat/completions", CAROL, chat(15, false), Map.of()).statusCode())
        .isEqualTo(200);

    OpenAiClient.run(gateway, BOB, "rate-limited").assertPassed();

    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(10))
        .until(() -> RedisRestartIT.reserved(gateway) == 0);
    JsonNode usage = JSON.readTree(TollgateRun.get(gateway.metricsUrl() + "/usage", null).body());
    JsonNode enforce = find(usage, "enforce", "budget");
    JsonNode bob = null;
    for (JsonNode bucket : enforce.path("buckets")) {
      if (bucket.path("bucket").asText().contains("bob")) {
        bob = bucket;
      }
    }
    assertThat(bob).as(usage.toPrettyString()).isNotNull();
    assertThat(Long.parseLong(bob.path("used").asText())).isPositive().isLessThanOrEqualTo(100);
    assertThat(bob.path("reserved").asText()).isEqualTo("0");
  }

  @Test
  void warnModePassesAndMarksTheResponse() throws Exception {
    gateway =
        TollgateRun.start(
            "budgets",
            Path.of("target/e2e/budget-warn").toAbsolutePath(),
            Map.of("ENFORCE_TOKENS", "100000"));
    boolean warned = false;
    for (int i = 0; i < 8; i++) {
      HttpResponse<String> response =
          gateway.post("/v1/chat/completions", DAVE, chat(15, false), Map.of());
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      warned |= response.headers().firstValue("x-tollgate-quota-warning").isPresent();
    }
    assertThat(warned).isTrue();
  }

  @Test
  void concurrentStreamsNeverServeMoreThanTheBudget() throws Exception {
    int budget = 400;
    gateway =
        TollgateRun.start(
            "budgets",
            Path.of("target/e2e/budget-concurrent").toAbsolutePath(),
            Map.of("ENFORCE_TOKENS", String.valueOf(budget)));
    // Warm the data plane up with another client, so the burst measures budgets, not a cold JVM.
    assertThat(gateway.post("/v1/chat/completions", CAROL, chat(5, true), Map.of()).statusCode())
        .isEqualTo(200);
    ExecutorService pool = Executors.newFixedThreadPool(32);
    try {
      List<Future<HttpResponse<String>>> calls = new ArrayList<>();
      for (int i = 0; i < 32; i++) {
        calls.add(
            pool.submit(
                () ->
                    gateway.post(
                        "/v1/chat/completions",
                        BOB,
                        chat(21, true),
                        Map.of("x-demo-chunk-delay-ms", "20"))));
      }
      int servedTokens = 0;
      int ok = 0;
      int limited = 0;
      for (Future<HttpResponse<String>> call : calls) {
        HttpResponse<String> response = call.get();
        if (response.statusCode() == 200) {
          ok++;
          servedTokens +=
              sum(COMPLETION_TOKENS, response.body()) + sum(PROMPT_TOKENS, response.body());
        } else {
          assertThat(response.statusCode()).isEqualTo(429);
          limited++;
        }
      }
      assertThat(ok).isPositive();
      assertThat(limited).isPositive();
      // Every stream reserved at least what it used, so the budget holds exactly.
      assertThat(servedTokens).isLessThanOrEqualTo(budget);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aQuotaChangedOnDiskAppliesWithoutFailingRequestsInFlight() throws Exception {
    gateway =
        TollgateRun.start(
            "budgets",
            Path.of("target/e2e/budget-change").toAbsolutePath(),
            Map.of("ENFORCE_TOKENS", "100000"));
    AtomicBoolean running = new AtomicBoolean(true);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    List<Future<List<Integer>>> workers = new ArrayList<>();
    for (int w = 0; w < 4; w++) {
      workers.add(
          pool.submit(
              () -> {
                List<Integer> statuses = new ArrayList<>();
                while (running.get()) {
                  statuses.add(
                      gateway
                          .post(
                              "/v1/chat/completions",
                              CAROL,
                              chat(5, true),
                              Map.of("x-demo-chunk-delay-ms", "30"))
                          .statusCode());
                }
                return statuses;
              }));
    }
    TollgateRun.sleep(1500);
    gateway.rewrite("budgets", "budgets.yaml", Map.of("ENFORCE_TOKENS", "20"));
    // The new, tiny limit applies to bob, who has not spent anything yet.
    HttpResponse<String> limited = null;
    for (int i = 0; i < 40; i++) {
      limited = gateway.post("/v1/chat/completions", BOB, chat(15, false), Map.of());
      if (limited.statusCode() == 429) {
        break;
      }
      TollgateRun.sleep(250);
    }
    running.set(false);
    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(limited.headers().firstValue("x-ratelimit-limit-tokens")).contains("20");
    for (Future<List<Integer>> worker : workers) {
      // Requests in flight during the change finish normally; later ones may be refused (429)
      // by the new limit, but none fails in any other way.
      assertThat(worker.get()).isNotEmpty().allMatch(status -> status == 200 || status == 429);
    }
    pool.shutdownNow();
  }

  static JsonNode find(JsonNode quotas, String namespace, String name) {
    for (JsonNode quota : quotas) {
      if (quota.path("namespace").asText().equals(namespace)
          && quota.path("name").asText().equals(name)) {
        return quota;
      }
    }
    throw new AssertionError("no quota " + namespace + "/" + name + " in " + quotas);
  }

  static int sum(Pattern pattern, String body) {
    Matcher m = pattern.matcher(body);
    int last = 0;
    while (m.find()) {
      last = Integer.parseInt(m.group(1));
    }
    return last;
  }
}
