package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Responses that never reach their last chunk still commit what they produced: a client that closes
 * the connection mid-stream (chat completions and the Responses API), a stream cut by the route
 * timeout, a JSON answer abandoned before its usage, a request the route timeout ends before any
 * response header; and a client-chosen {@code x-request-id} cannot merge two requests' commits.
 */
class AbortIT {
  static final String SSE = "tg-e2e-abort-sse-0001";
  static final String CUT = "tg-e2e-abort-cut-0001";
  static final String JSON_CLIENT = "tg-e2e-abort-json-001";
  static final String FORGER = "tg-e2e-abort-forge-01";
  static final String LATE = "tg-e2e-abort-late-001";
  static final String RESPONSES = "tg-e2e-abort-resp-001";
  static final Pattern DELTA = Pattern.compile("\"delta\":\\{[^}]*\"content\"");
  static final Pattern TEXT_DELTA = Pattern.compile("event: response\\.output_text\\.delta\n");

  static TollgateRun gateway;

  @BeforeAll
  static void start() {
    gateway = TollgateRun.start("abort", Path.of("target/e2e/abort").toAbsolutePath(), Map.of());
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.close();
    }
  }

  static String chat(String model, int maxTokens, boolean stream) {
    return "{\"model\":\""
        + model
        + "\",\"max_tokens\":"
        + maxTokens
        + (stream ? ",\"stream\":true" : "")
        + ",\"messages\":[{\"role\":\"user\",\"content\":\"Hello there\"}]}";
  }

  @Test
  void aClientThatClosesMidStreamIsChargedForWhatItRead() throws Exception {
    String received;
    try (Socket socket =
        send(
            SSE, chat("demo-chat", 3000, true), "x-demo-words: 3000\r\nx-demo-chunk-delay-ms: 5")) {
      received = readUntil(socket.getInputStream(), text -> count(DELTA, text) >= 200, 20_000);
    }
    // The socket is closed: Envoy sees the downstream go away while the upstream still streams.
    int sent = count(DELTA, received);
    assertThat(sent).as(received).isGreaterThanOrEqualTo(200);
    long used = settledUsed("sse");
    assertThat(used).isGreaterThanOrEqualTo(sent);
  }

  /**
   * The same for the Responses API: the client reads 200 {@code response.output_text.delta} events
   * (one word each) and hangs up, long before {@code response.completed} (which carries the usage);
   * the commit charges at least every word sent.
   */
  @Test
  void aResponsesStreamClosedMidStreamIsChargedForWhatWasSent() throws Exception {
    String received;
    try (Socket socket =
        send(
            "/v1/responses",
            RESPONSES,
            "{\"model\":\"demo-chat\",\"input\":\"Hello there\",\"max_output_tokens\":3000,"
                + "\"stream\":true}",
            "x-demo-words: 3000\r\nx-demo-chunk-delay-ms: 5")) {
      received = readUntil(socket.getInputStream(), text -> count(TEXT_DELTA, text) >= 200, 20_000);
    }
    int sent = count(TEXT_DELTA, received);
    assertThat(sent)
        .as("output_text.delta events read before hanging up:\n%s", received)
        .isGreaterThanOrEqualTo(200);
    assertThat(received)
        .as("the stream was left before its end")
        .doesNotContain("response.completed");
    long used = settledUsed("responses");
    assertThat(used).as("tokens committed for %d words sent", sent).isGreaterThanOrEqualTo(sent);
  }

  @Test
  void aStreamCutByTheRouteTimeoutIsChargedForWhatWasSent() throws Exception {
    String received;
    try (Socket socket =
        send(
            CUT,
            chat("demo-slow", 3000, true),
            "x-demo-words: 3000\r\nx-demo-chunk-delay-ms: 20")) {
      // Envoy resets the stream after the 2 s route timeout; read until then.
      received = readUntil(socket.getInputStream(), text -> false, 20_000);
    }
    int sent = count(DELTA, received);
    assertThat(sent).as(received).isPositive();
    assertThat(received).doesNotContain("[DONE]");
    long used = settledUsed("cut");
    assertThat(used).isGreaterThanOrEqualTo(sent);
  }

  @Test
  void aJsonAnswerAbandonedBeforeItsUsageIsChargedForItsOutput() throws Exception {
    String received;
    try (Socket socket =
        send(
            JSON_CLIENT,
            chat("demo-chat", 20000, false),
            "x-demo-words: 20000\r\nx-demo-chunk-delay-ms: 100")) {
      received = readUntil(socket.getInputStream(), text -> text.length() >= 20_000, 20_000);
    }
    assertThat(received).doesNotContain("\"usage\"");
    // Every space in the content is at least one word, and every word at least one token.
    int words = received.length() - received.replace(" ", "").length();
    assertThat(words).isGreaterThan(1000);
    long used = settledUsed("json");
    assertThat(used).isGreaterThanOrEqualTo(words);
  }

  @Test
  void aJsonRequestThatOutlivesTheRouteTimeoutIsChargedTheWholeReservation() throws Exception {
    // The provider answers after 6 s; the route gives up after 2 s with Envoy's own 504, before
    // any response header. The provider may still generate (and bill) all 3,000 tokens.
    HttpResponse<String> response =
        gateway.post(
            "/v1/chat/completions",
            LATE,
            chat("demo-slow", 3000, false),
            Map.of("x-demo-delay-ms", "6000"));
    assertThat(response.statusCode()).as(response.body()).isEqualTo(504);
    assertThat(response.body()).contains("upstream_timeout");
    assertThat(settledUsed("late")).isGreaterThanOrEqualTo(3000);
  }

  @Test
  void aForgedRequestIdDoesNotMergeTwoRequestsCommits() throws Exception {
    long tokens = 0;
    for (int i = 0; i < 2; i++) {
      HttpResponse<String> response =
          gateway.post(
              "/v1/chat/completions",
              FORGER,
              chat("demo-chat", 10, false),
              Map.of("x-request-id", "forged-request-id-1"));
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      assertThat(response.headers().firstValue("x-request-id"))
          .isPresent()
          .get()
          .isNotEqualTo("forged-request-id-1");
      tokens +=
          BudgetIT.sum(BudgetIT.PROMPT_TOKENS, response.body())
              + BudgetIT.sum(BudgetIT.COMPLETION_TOKENS, response.body());
    }
    long expected = tokens;
    // Both requests are charged, exactly what the provider reported.
    Awaitility.await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(() -> assertThat(field("forger", "used")).isEqualTo(expected));
    assertThat(field("forger", "reserved")).isZero();
  }

  /** Opens a connection and sends a chat completion request on it, not reading the answer. */
  static Socket send(String key, String body, String extraHeaders) throws IOException {
    return send("/v1/chat/completions", key, body, extraHeaders);
  }

  /** Opens a connection and sends a request to this path on it, not reading the answer. */
  static Socket send(String path, String key, String body, String extraHeaders) throws IOException {
    return send(gateway, path, key, body, extraHeaders);
  }

  /** Opens a connection to this gateway and sends a request on it, not reading the answer. */
  static Socket send(TollgateRun gateway, String path, String key, String body, String extraHeaders)
      throws IOException {
    URI url = URI.create(gateway.url());
    Socket socket = new Socket(url.getHost(), url.getPort());
    socket.setSoTimeout(15_000);
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    String head =
        "POST "
            + path
            + " HTTP/1.1\r\n"
            + "host: "
            + url.getHost()
            + "\r\n"
            + "authorization: Bearer "
            + key
            + "\r\n"
            + "content-type: application/json\r\n"
            + "content-length: "
            + bytes.length
            + "\r\n"
            + extraHeaders
            + "\r\n\r\n";
    socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
    socket.getOutputStream().write(bytes);
    socket.getOutputStream().flush();
    return socket;
  }

  /** Reads until the condition holds, the peer closes or resets, or the deadline passes. */
  static String readUntil(
      InputStream in, java.util.function.Predicate<String> enough, long timeoutMillis)
      throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buffer = new byte[4096];
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
    while (System.nanoTime() < deadline) {
      int n;
      try {
        n = in.read(buffer);
      } catch (SocketTimeoutException | java.net.SocketException e) {
        break;
      }
      if (n < 0) {
        break;
      }
      out.write(buffer, 0, n);
      if (enough.test(out.toString(StandardCharsets.UTF_8))) {
        break;
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /** The client's used tokens once nothing of it is reserved any more. */
  static long settledUsed(String client) throws Exception {
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> field(client, "reserved") == 0 && field(client, "used") > 0);
    return field(client, "used");
  }

  static long field(String client, String name) throws Exception {
    JsonNode quota =
        BudgetIT.find(
            BudgetIT.JSON.readTree(TollgateRun.get(gateway.metricsUrl() + "/usage", null).body()),
            "abort",
            "budget");
    for (JsonNode bucket : quota.path("buckets")) {
      if (bucket.path("bucket").asText().contains(client)) {
        return Long.parseLong(bucket.path(name).asText());
      }
    }
    return 0;
  }

  static int count(Pattern pattern, String text) {
    Matcher m = pattern.matcher(text);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }
}
