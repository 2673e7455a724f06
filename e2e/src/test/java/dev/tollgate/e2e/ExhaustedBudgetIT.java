package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A client over a budget that no body can change (two requests per client per minute, on every
 * route of its namespace) is refused at its request headers once the rate-limit service has said
 * the budget is exhausted by settled usage: with the same 429, headers and error as the budget's
 * own refusal, before its body is read (a body that would be a 400 gets the 429; a huge declared
 * body is answered before it is sent; the processor counts each refusal), while another client of
 * the namespace is served, and until the window ends, when the client is served again.
 */
class ExhaustedBudgetIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String BOB = "tg-e2e-bob-key-00001";
  static final String CAROL = "tg-e2e-carol-key-0001";
  static final String CHAT =
      "{\"model\":\"demo-chat\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

  /** A string max_tokens: the processor's body parser answers 400 invalid_type. */
  static final String UNPARSEABLE =
      "{\"model\":\"demo-chat\",\"max_tokens\":\"30000\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

  static final String REFUSED_AT_HEADERS = "error_type=\"rate_limit_exceeded\"";

  TollgateRun gateway;

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
  }

  @Test
  void aClientOverAnExhaustedBudgetIsRefusedBeforeItsBodyUntilTheWindowEnds() throws Exception {
    gateway =
        TollgateRun.start(
            "exhausted", Path.of("target/e2e/exhausted-budget").toAbsolutePath(), Map.of());
    assertThat(gateway.post("/v1/chat/completions", BOB, UNPARSEABLE, Map.of()).statusCode())
        .as("a body with a string max_tokens, parsed")
        .isEqualTo(400);
    // Start early in a minute, so that the two calls, the refusals and the checks share a window.
    if (Instant.now().getEpochSecond() % 60 > 30) {
      TollgateRun.sleep((61 - Instant.now().getEpochSecond() % 60) * 1000);
    }
    for (int i = 0; i < 2; i++) {
      HttpResponse<String> served = gateway.post("/v1/chat/completions", BOB, CHAT, Map.of());
      assertThat(served.statusCode()).as(served.body()).isEqualTo(200);
    }
    // Both calls are settled, so the budget is exhausted by committed usage, not reservations.
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> committed(gateway) == 2 && reserved(gateway) == 0);
    double refusedBefore = refusedAtHeaders();

    HttpResponse<String> byTheBudget = gateway.post("/v1/chat/completions", BOB, CHAT, Map.of());
    assertRefusal(byTheBudget);
    assertThat(refusedAtHeaders())
        .as("the budget's own refusal came from Envoy's rate-limit filter, after the body")
        .isEqualTo(refusedBefore);

    HttpResponse<String> atHeaders =
        gateway.post("/v1/chat/completions", BOB, UNPARSEABLE, Map.of());
    assertRefusal(atHeaders);
    assertThat(atHeaders.headers().firstValue("x-ratelimit-remaining-requests")).contains("0");
    assertThat(refusedAtHeaders())
        .as("a body that would be a 400 is refused with the 429 before it is parsed")
        .isEqualTo(refusedBefore + 1);

    HostilePathIT.Response huge = hugeDeclaredBody();
    assertThat(huge).as("an answer before the 50 MB body was sent").isNotNull();
    assertThat(huge.status()).as(huge.body()).isEqualTo(429);
    assertThat(huge.header("retry-after")).isNotEmpty();
    assertThat(huge.header("x-tollgate-budget-exhausted")).isEmpty();
    assertThat(JSON.readTree(huge.body()).path("error").path("code").asText())
        .isEqualTo("rate_limit_exceeded");
    assertThat(refusedAtHeaders()).isEqualTo(refusedBefore + 2);

    HttpResponse<String> carol = gateway.post("/v1/chat/completions", CAROL, CHAT, Map.of());
    assertThat(carol.statusCode())
        .as("another client's own bucket: " + carol.body())
        .isEqualTo(200);

    // When the window ends, bob is served again (his next window holds two more calls).
    long retryAfter = Long.parseLong(atHeaders.headers().firstValue("retry-after").orElseThrow());
    assertThat(retryAfter).isBetween(1L, 60L);
    TollgateRun.sleep(retryAfter * 1000);
    await()
        .atMost(Duration.ofSeconds(15))
        .pollInterval(Duration.ofSeconds(1))
        .until(() -> gateway.post("/v1/chat/completions", BOB, CHAT, Map.of()).statusCode() == 200);
    assertThat(gateway.post("/v1/chat/completions", BOB, UNPARSEABLE, Map.of()).statusCode())
        .as("after the window the body is parsed again")
        .isEqualTo(400);
  }

  static void assertRefusal(HttpResponse<String> response) throws Exception {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(429);
    assertThat(response.headers().firstValue("retry-after")).isPresent();
    assertThat(response.headers().firstValue("x-ratelimit-limit-requests")).contains("2");
    assertThat(response.headers().firstValue("x-tollgate-budget-exhausted"))
        .as("the rate-limit service's word to the processor never reaches the client")
        .isEmpty();
    JsonNode error = JSON.readTree(response.body()).path("error");
    assertThat(error.path("type").asText()).isEqualTo("rate_limit_exceeded");
    assertThat(error.path("code").asText()).isEqualTo("rate_limit_exceeded");
  }

  /** Declares a 50 MB body and sends 16 KiB of it: only an answer from the headers can come. */
  HostilePathIT.Response hugeDeclaredBody() throws Exception {
    int port = Integer.parseInt(gateway.url().substring(gateway.url().lastIndexOf(':') + 1));
    String head =
        "POST /v1/chat/completions HTTP/1.1\r\nhost: tollgate\r\nauthorization: Bearer "
            + BOB
            + "\r\ncontent-type: application/json\r\ncontent-length: 50000000\r\n\r\n";
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(head.getBytes(StandardCharsets.ISO_8859_1));
      out.write(
          ("{\"model\":\"demo-chat\",\"messages\":[{\"role\":\"user\",\"content\":\""
                  + "a".repeat(16 * 1024))
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      try {
        return HostilePathIT.parse(socket.getInputStream());
      } catch (SocketTimeoutException e) {
        return null;
      }
    }
  }

  /** The processor's own 429s in namespace team: only the refusals at the headers are its own. */
  double refusedAtHeaders() {
    String metrics = TollgateRun.get(gateway.metricsUrl() + "/metrics", null).body();
    double sum = 0;
    for (String line : metrics.split("\n")) {
      if (line.startsWith("tollgate_processor_rejections_total{")
          && line.contains(REFUSED_AT_HEADERS)
          && line.contains("tollgate_namespace=\"team\"")) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return sum;
  }

  static long committed(TollgateRun gateway) throws Exception {
    return bobs(gateway).path("used").asLong(-1);
  }

  static long reserved(TollgateRun gateway) throws Exception {
    return bobs(gateway).path("reserved").asLong(-1);
  }

  static JsonNode bobs(TollgateRun gateway) throws Exception {
    JsonNode quota =
        BudgetIT.find(
            JSON.readTree(TollgateRun.get(gateway.metricsUrl() + "/usage", null).body()),
            "team",
            "calls");
    for (JsonNode bucket : quota.path("buckets")) {
      if (bucket.path("bucket").asText().contains("bob")) {
        return bucket;
      }
    }
    return JSON.createObjectNode();
  }
}
