package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.testkit.FakeUpstream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A hostile client against {@code tollgate run} with a real Envoy: the platform's provider key
 * serves only the metered calls, paths are normalized before routing, provider-selecting headers
 * never reach a provider, a provider's rate-limit headers never reach a client, and the listener
 * bounds slow and oversized request headers. Requests are written on a raw socket, so that Envoy
 * sees exactly the attacker's bytes.
 */
class HostilePathIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String KEY = "tg-e2e-mallory-key-01";
  static final AtomicInteger ATTACK = new AtomicInteger();
  static FakeUpstream provider;
  static TollgateRun gateway;

  @BeforeAll
  static void start() {
    provider = FakeUpstream.echo("provider");
    gateway =
        TollgateRun.start(
            "hostile",
            Path.of("target/e2e/hostile").toAbsolutePath(),
            Map.of("FAKE_URL", "http://127.0.0.1:" + provider.port()));
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.close();
    }
    if (provider != null) {
      provider.close();
    }
  }

  @ParameterizedTest(name = "{0} {1} -> {2} {3}")
  @CsvSource({
    "GET, /v1/chat/completions, 405, method_not_allowed, POST",
    "DELETE, /v1/chat/completions, 405, method_not_allowed, POST",
    "PUT, /v1/embeddings, 405, method_not_allowed, POST",
    "POST, /v1/models, 405, method_not_allowed, GET",
    "POST, /v1/files, 404, unknown_url, ",
    "POST, /v1/fine_tuning/jobs, 404, unknown_url, ",
    "POST, /v1/batches, 404, unknown_url, ",
    "GET, /v1/files, 404, unknown_url, ",
    "DELETE, /v1/models/fake-chat, 405, method_not_allowed, GET",
    "POST, /v1/chat/completions/, 404, unknown_url, ",
    "POST, /v1/chat/completions/../../files, 404, unknown_url, ",
    "POST, /v1/chat/completions/%2e%2e/%2e%2e/files, 404, unknown_url, ",
    "POST, /v1/%2E%2E/v1/batches, 404, unknown_url, ",
    "POST, /v1//files, 404, unknown_url, ",
    "POST, /v1/chat%2Fcompletions, 400, invalid_path, ",
    "POST, /v1/chat%5ccompletions, 400, invalid_path, ",
    "POST, /v1/chat%2fcompletions, 400, invalid_path, ",
    "POST, /v1/chat/completions?api-version=2020-01-01, 400, query_not_supported, ",
  })
  void aCallOutsideTheMeteredApisNeverReachesTheProvider(
      String method, String path, int status, String code, String allow) throws Exception {
    for (String model : List.of("fake-chat", "fake-azure")) {
      String attack = "attack-" + ATTACK.incrementAndGet();
      Response response = send(method, path, Map.of("x-attack", attack), chat(model));
      assertThat(provider.lastHeaders().get("x-attack"))
          .as("%s %s for %s reached the provider as %s", method, path, model, provider.lastMethod())
          .isNotEqualTo(attack);
      assertThat(response.status()).as(response.body()).isEqualTo(status);
      assertThat(response.header("content-type")).containsExactly("application/json");
      JsonNode error = JSON.readTree(response.body()).path("error");
      assertThat(error.path("code").asText()).isEqualTo(code);
      assertThat(error.path("message").asText()).isNotBlank();
      assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
      if (status == 405) {
        assertThat(response.header("allow")).containsExactly(allow);
      }
    }
  }

  /**
   * A large body to a path no route serves is refused from its headers: the 404 arrives while the
   * client is still sending, so the processor never buffered nor tokenized the body.
   */
  @Test
  void aLargeBodyToAnUnservedPathIsRefusedBeforeItIsSent() throws Exception {
    String attack = "attack-" + ATTACK.incrementAndGet();
    int declared = 1_000_000;
    String head =
        "POST /v1/files HTTP/1.1\r\nhost: tollgate\r\nauthorization: Bearer "
            + KEY
            + "\r\ncontent-type: application/json\r\ncontent-length: "
            + declared
            + "\r\nx-attack: "
            + attack
            + "\r\n\r\n";
    try (Socket socket = new Socket("127.0.0.1", port())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(head.getBytes(StandardCharsets.ISO_8859_1));
      out.write(
          ("{\"purpose\":\"fine-tune\",\"x\":\"" + "a".repeat(16 * 1024))
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      Response response;
      try {
        // The rest of the declared body is never sent: only an answer from the headers comes.
        response = parse(socket.getInputStream());
      } catch (SocketTimeoutException e) {
        response = null;
      }
      assertThat(response).as("an answer before the body was complete").isNotNull();
      assertThat(response.status()).as(response.body()).isEqualTo(404);
      assertThat(response.header("content-type")).containsExactly("application/json");
      assertThat(JSON.readTree(response.body()).path("error").path("code").asText())
          .isEqualTo("unknown_url");
    }
    assertThat(provider.lastHeaders().get("x-attack")).isNotEqualTo(attack);
  }

  @Test
  void aBodyWithoutAModelToAnUnservedCallGets404Or405NotTheProcessors400() throws Exception {
    Response unknown = send("POST", "/v1/files", Map.of(), "{\"purpose\":\"batch\"}");
    assertThat(unknown.status()).as(unknown.body()).isEqualTo(404);
    Response wrongMethod = send("PUT", "/v1/chat/completions", Map.of(), "{}");
    assertThat(wrongMethod.status()).as(wrongMethod.body()).isEqualTo(405);
    assertThat(wrongMethod.header("allow")).containsExactly("POST");
    Response models = send("GET", "/v1/models", Map.of(), "");
    assertThat(models.status()).as(models.body()).isEqualTo(200);
    assertThat(JSON.readTree(models.body()).path("data").findValuesAsText("id"))
        .contains("fake-chat", "fake-azure");
  }

  @Test
  void aDoubleSlashOrDotSegmentPathReachesTheProviderNormalized() throws Exception {
    for (String path :
        List.of("/v1//chat/completions", "//v1/chat/completions", "/v1/x/../chat/completions")) {
      Response response = send("POST", path, Map.of(), chat("fake-chat"));
      assertThat(response.status()).as(path + ": " + response.body()).isEqualTo(200);
      assertThat(JSON.readTree(response.body()).path("path").asText())
          .as(path)
          .isEqualTo("/v1/chat/completions");
    }
  }

  @Test
  void anAzureDeploymentPathCannotBeEscapedAndItsApiVersionIsTheGateways() throws Exception {
    Response served = send("POST", "/v1/chat/completions", Map.of(), chat("fake-azure"));
    assertThat(served.status()).as(served.body()).isEqualTo(200);
    assertThat(JSON.readTree(served.body()).path("path").asText())
        .isEqualTo("/openai/deployments/team-a-deployment/chat/completions?api-version=2024-10-21");
    String attack = "attack-" + ATTACK.incrementAndGet();
    Response escaped =
        send(
            "POST",
            "/v1/chat/completions/../../../team-b-deployment/chat/completions",
            Map.of("x-attack", attack),
            chat("fake-azure"));
    assertThat(provider.lastHeaders().get("x-attack")).isNotEqualTo(attack);
    assertThat(escaped.status()).as(escaped.body()).isEqualTo(404);
  }

  @Test
  void headersThatSelectAProviderAccountNeverReachTheProvider() throws Exception {
    Response response =
        send(
            "POST",
            "/v1/chat/completions",
            Map.of(
                "OpenAI-Organization", "org-victim",
                "OpenAI-Project", "proj-victim",
                "OpenAI-Beta", "assistants=v2",
                "x_tollgate_namespace", "other-team"),
            chat("fake-chat"));
    assertThat(response.status()).as(response.body()).isEqualTo(200);
    JsonNode received = JSON.readTree(response.body()).path("headers");
    assertThat(received.has("openai-organization")).as(received.toString()).isFalse();
    assertThat(received.has("openai-project")).as(received.toString()).isFalse();
    assertThat(received.has("openai-beta")).as(received.toString()).isFalse();
    assertThat(received.has("x_tollgate_namespace")).as(received.toString()).isFalse();
  }

  @Test
  void aProvidersRateLimitAndOrganizationHeadersNeverReachTheClient() throws Exception {
    provider.respondWithHeaders(
        Map.of(
            "x-ratelimit-limit-tokens", "987654321",
            "x-ratelimit-remaining-tokens", "987654320",
            "openai-organization", "org-platform",
            "openai-project", "proj-platform"));
    try {
      Response response = send("POST", "/v1/chat/completions", Map.of(), chat("fake-chat"));
      assertThat(response.status()).as(response.body()).isEqualTo(200);
      assertThat(response.header("x-ratelimit-limit-tokens")).containsExactly("1000000");
      assertThat(response.header("x-ratelimit-remaining-tokens")).hasSize(1);
      assertThat(response.header("x-ratelimit-remaining-tokens")).doesNotContain("987654320");
      assertThat(response.header("openai-organization")).isEmpty();
      assertThat(response.header("openai-project")).isEmpty();
    } finally {
      provider.respondWithHeaders(Map.of());
    }
  }

  @Test
  void requestHeadersSentTooSlowlyAreCutOff() throws Exception {
    try (Socket socket = new Socket("127.0.0.1", port())) {
      socket.setSoTimeout(25_000);
      OutputStream out = socket.getOutputStream();
      out.write(
          "POST /v1/chat/completions HTTP/1.1\r\nhost: tollgate\r\n"
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      long start = System.nanoTime();
      String answer;
      try {
        answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      } catch (SocketTimeoutException e) {
        answer = "(still open after 25 s)";
      }
      long seconds = (System.nanoTime() - start) / 1_000_000_000L;
      assertThat(answer).startsWith("HTTP/1.1 408");
      assertThat(seconds).isLessThan(20);
    }
  }

  @Test
  void oversizedRequestHeadersAreRefused() throws Exception {
    assertRefusedWith431(Map.of("x-padding", "a".repeat(40 * 1024)));
  }

  @Test
  void tooManyRequestHeadersAreRefused() throws Exception {
    Map<String, String> many = new LinkedHashMap<>();
    for (int i = 0; i < 120; i++) {
      many.put("x-h-" + i, "v");
    }
    assertRefusedWith431(many);
  }

  /**
   * Envoy's codec refuses the headers with 431, mapped to OpenAI's shape, and the HTTP/1 client
   * gets it: the processor filter is enabled only by the virtual host, so this routeless reply no
   * longer waits for the processor while the connection closes (envoyproxy/envoy#29440).
   */
  private static void assertRefusedWith431(Map<String, String> extra) throws Exception {
    String attack = "attack-" + ATTACK.incrementAndGet();
    Map<String, String> headers = new LinkedHashMap<>(extra);
    headers.put("x-attack", attack);
    Response response = send("POST", "/v1/chat/completions", headers, chat("fake-chat"));
    assertThat(provider.lastHeaders().get("x-attack")).isNotEqualTo(attack);
    assertThat(response.status()).isEqualTo(431);
    assertThat(response.header("content-type")).containsExactly("application/json");
    JsonNode error = JSON.readTree(response.body()).path("error");
    assertThat(error.path("code").asText())
        .as(response.body())
        .isEqualTo("request_headers_too_large");
    assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
  }

  static int port() {
    return java.net.URI.create(gateway.url()).getPort();
  }

  static String chat(String model) {
    return "{\"model\":\""
        + model
        + "\",\"max_tokens\":8,\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}";
  }

  /** An HTTP/1.1 answer: status, headers with lower-cased names, body. */
  record Response(int status, List<String[]> headers, String body) {
    List<String> header(String name) {
      return headers.stream().filter(h -> h[0].equals(name)).map(h -> h[1]).toList();
    }
  }

  /** Sends one request on its own connection, with the bytes of the path exactly as given. */
  static Response send(String method, String path, Map<String, String> headers, String body)
      throws IOException {
    byte[] payload = body.getBytes(StandardCharsets.UTF_8);
    Map<String, String> all = new LinkedHashMap<>();
    all.put("host", "tollgate");
    all.put("authorization", "Bearer " + KEY);
    all.put("content-type", "application/json");
    all.put("content-length", Integer.toString(payload.length));
    all.put("connection", "close");
    all.putAll(headers);
    StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.1\r\n");
    all.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
    head.append("\r\n");
    try (Socket socket = new Socket("127.0.0.1", port())) {
      socket.setSoTimeout(30_000);
      // One write, so that a refusal of the headers does not find more bytes arriving after it
      // and reset the connection before the client reads the answer.
      ByteArrayOutputStream request = new ByteArrayOutputStream();
      request.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
      request.write(payload);
      OutputStream out = socket.getOutputStream();
      out.write(request.toByteArray());
      out.flush();
      return parse(socket.getInputStream());
    }
  }

  static Response parse(InputStream in) throws IOException {
    byte[] raw = in.readAllBytes();
    String text = new String(raw, StandardCharsets.ISO_8859_1);
    if (raw.length == 0) {
      throw new java.net.SocketException("connection closed without an answer");
    }
    int end = text.indexOf("\r\n\r\n");
    assertThat(end).as("an HTTP answer, got: %s", text).isPositive();
    String[] lines = text.substring(0, end).split("\r\n");
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    List<String[]> headers = new ArrayList<>();
    boolean chunked = false;
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      String name = lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String value = lines[i].substring(colon + 1).trim();
      headers.add(new String[] {name, value});
      chunked |= name.equals("transfer-encoding") && value.equalsIgnoreCase("chunked");
    }
    byte[] rest = java.util.Arrays.copyOfRange(raw, end + 4, raw.length);
    return new Response(
        status, headers, new String(chunked ? dechunk(rest) : rest, StandardCharsets.UTF_8));
  }

  private static byte[] dechunk(byte[] in) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    String text = new String(in, StandardCharsets.ISO_8859_1);
    int at = 0;
    while (at < text.length()) {
      int lineEnd = text.indexOf("\r\n", at);
      int size = Integer.parseInt(text.substring(at, lineEnd).split(";")[0].trim(), 16);
      if (size == 0) {
        break;
      }
      out.write(in, lineEnd + 2, size);
      at = lineEnd + 2 + size + 2;
    }
    return out.toByteArray();
  }
}
