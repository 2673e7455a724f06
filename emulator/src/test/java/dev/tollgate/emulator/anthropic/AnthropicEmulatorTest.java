package dev.tollgate.emulator.anthropic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.emulator.EmulatorServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The emulator answers and refuses as Anthropic's Messages API does, byte for byte. */
class AnthropicEmulatorTest {
  static final String KEY = "sk-ant-test-key";
  static final HttpClient HTTP = HttpClient.newHttpClient();

  EmulatorServer server;

  @BeforeEach
  void start() throws Exception {
    server =
        EmulatorServer.start(
            "127.0.0.1", 0, List.of(new AnthropicEmulator(List.of("claude-test"), KEY)), 0);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  HttpResponse<String> post(String path, String body, Map<String, String> headers)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            .POST(HttpRequest.BodyPublishers.ofString(body));
    headers.forEach(request::header);
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  static Map<String, String> good() {
    Map<String, String> h = new TreeMap<>();
    h.put("x-api-key", KEY);
    h.put("anthropic-version", "2023-06-01");
    h.put("content-type", "application/json");
    return h;
  }

  static String hello(String model, int maxTokens, boolean stream) {
    return "{\"model\":\""
        + model
        + "\",\"max_tokens\":"
        + maxTokens
        + (stream ? ",\"stream\":true" : "")
        + ",\"messages\":[{\"role\":\"user\",\"content\":\"Hello there\"}]}";
  }

  static String error(String type, String message) {
    return "{\"type\":\"error\",\"error\":{\"type\":\""
        + type
        + "\",\"message\":\""
        + message
        + "\"},\"request_id\":\"";
  }

  @Test
  void refusesWhatAnthropicRefusesInItsShape() throws Exception {
    Map<String, String> noKey = good();
    noKey.remove("x-api-key");
    var r = post("/v1/messages", hello("claude-test", 5, false), noKey);
    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(r.body()).startsWith(error("authentication_error", "x-api-key header is required"));

    Map<String, String> bearer = good();
    bearer.remove("x-api-key");
    bearer.put("authorization", "Bearer " + KEY);
    assertThat(post("/v1/messages", hello("claude-test", 5, false), bearer).statusCode())
        .isEqualTo(401);

    Map<String, String> wrongKey = good();
    wrongKey.put("x-api-key", "sk-ant-other");
    r = post("/v1/messages", hello("claude-test", 5, false), wrongKey);
    assertThat(r.body()).startsWith(error("authentication_error", "invalid x-api-key"));

    Map<String, String> noVersion = good();
    noVersion.remove("anthropic-version");
    r = post("/v1/messages", hello("claude-test", 5, false), noVersion);
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body())
        .startsWith(error("invalid_request_error", "anthropic-version: header is required"));

    r = post("/v1/messages", hello("claude-other", 5, false), good());
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(r.body()).startsWith(error("not_found_error", "model: claude-other"));

    r =
        post(
            "/v1/messages",
            "{\"model\":\"claude-test\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}",
            good());
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).startsWith(error("invalid_request_error", "max_tokens: Field required"));

    r = post("/v1/messages/batches", hello("claude-test", 5, false), good());
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(r.body()).startsWith(error("not_found_error", "Not Found"));

    r = post("/v1/messages", hello("claude-test-ratelimited", 5, false), good());
    assertThat(r.statusCode()).isEqualTo(429);
    assertThat(r.headers().firstValue("retry-after")).contains("1");
    assertThat(r.body()).contains("\"type\":\"rate_limit_error\"");

    r = post("/v1/messages", hello("claude-test-overloaded", 5, false), good());
    assertThat(r.statusCode()).isEqualTo(529);
    assertThat(r.body()).contains("\"type\":\"overloaded_error\"");
  }

  @Test
  void answersAMessageWithAnthropicsUsageFields() throws Exception {
    var r = post("/v1/messages", hello("claude-test", 3, false), good());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("request-id")).isPresent();
    assertThat(r.body())
        .matches(
            "\\{\"id\":\"msg_emu[0-9]{17}\",\"type\":\"message\",\"role\":\"assistant\","
                + "\"model\":\"claude-test\",\"content\":\\[\\{\"type\":\"text\","
                + "\"text\":\"Tollgate forwarded this\"}],\"stop_reason\":\"max_tokens\","
                + "\"stop_sequence\":null,\"usage\":\\{\"input_tokens\":2,"
                + "\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,"
                + "\"output_tokens\":3}}");
  }

  /** The server it is mounted on records what Anthropic received and how it answered. */
  @Test
  void itsRequestsAreRecordedWithTheirAnswers() throws Exception {
    post("/v1/messages?beta=true", hello("claude-test", 3, false), good());
    post("/v1/messages", hello("claude-unknown", 3, false), good());
    assertThat(server.received()).hasSize(2);
    assertThat(server.received().get(0).queryParameter("beta")).contains("true");
    assertThat(server.received().get(0).header("x-api-key")).contains(KEY);
    assertThat(server.answered()).extracting(a -> a.status()).containsExactly(200, 404);
  }

  @Test
  void aCachedSystemPromptIsWrittenOnceAndReadAfter() throws Exception {
    String body =
        "{\"model\":\"claude-test\",\"max_tokens\":2,\"system\":[{\"type\":\"text\","
            + "\"text\":\"You answer in one short line\",\"cache_control\":{\"type\":\"ephemeral\"}}],"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Hello there\"}]}";
    assertThat(post("/v1/messages", body, good()).body())
        .contains(
            "\"usage\":{\"input_tokens\":2,\"cache_creation_input_tokens\":6,"
                + "\"cache_read_input_tokens\":0,\"output_tokens\":2}");
    assertThat(post("/v1/messages", body, good()).body())
        .contains(
            "\"usage\":{\"input_tokens\":2,\"cache_creation_input_tokens\":0,"
                + "\"cache_read_input_tokens\":6,\"output_tokens\":2}");
  }

  @Test
  void countsTokens() throws Exception {
    var r =
        post(
            "/v1/messages/count_tokens",
            "{\"model\":\"claude-test\",\"system\":\"Be brief\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hello there\"}]}",
            good());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("{\"input_tokens\":4}");
  }

  @Test
  void streamsAnthropicsNamedEventsExactly() throws Exception {
    var r = post("/v1/messages", hello("claude-test", 2, true), good());
    assertThat(r.headers().firstValue("content-type")).contains("text/event-stream; charset=utf-8");
    String id = r.body().replaceAll("(?s).*\"id\":\"(msg_emu[0-9]+)\".*", "$1");
    assertThat(r.body())
        .isEqualTo(
            "event: message_start\n"
                + "data: {\"type\":\"message_start\",\"message\":{\"id\":\""
                + id
                + "\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-test\","
                + "\"content\":[],\"stop_reason\":null,\"stop_sequence\":null,\"usage\":"
                + "{\"input_tokens\":2,\"cache_creation_input_tokens\":0,"
                + "\"cache_read_input_tokens\":0,\"output_tokens\":1}}}\n\n"
                + "event: content_block_start\n"
                + "data: {\"type\":\"content_block_start\",\"index\":0,"
                + "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
                + "event: ping\n"
                + "data: {\"type\":\"ping\"}\n\n"
                + "event: content_block_delta\n"
                + "data: {\"type\":\"content_block_delta\",\"index\":0,"
                + "\"delta\":{\"type\":\"text_delta\",\"text\":\"Tollgate\"}}\n\n"
                + "event: content_block_delta\n"
                + "data: {\"type\":\"content_block_delta\",\"index\":0,"
                + "\"delta\":{\"type\":\"text_delta\",\"text\":\" forwarded\"}}\n\n"
                + "event: content_block_stop\n"
                + "data: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
                + "event: message_delta\n"
                + "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"max_tokens\","
                + "\"stop_sequence\":null},\"usage\":{\"output_tokens\":2}}\n\n"
                + "event: message_stop\n"
                + "data: {\"type\":\"message_stop\"}\n\n");
  }

  @Test
  void callsTheFirstToolUntilTheToolAnswers() throws Exception {
    String tools =
        "\"tools\":[{\"name\":\"get_weather\",\"input_schema\":{\"type\":\"object\","
            + "\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}}]";
    var call =
        post(
            "/v1/messages",
            "{\"model\":\"claude-test\",\"max_tokens\":50,"
                + tools
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"Weather?\"}]}",
            good());
    assertThat(call.body())
        .contains("\"type\":\"tool_use\"")
        .contains("\"name\":\"get_weather\",\"input\":{\"city\":\"demo\"}")
        .contains("\"stop_reason\":\"tool_use\"");
    var answer =
        post(
            "/v1/messages",
            "{\"model\":\"claude-test\",\"max_tokens\":50,"
                + tools
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"Weather?\"},"
                + "{\"role\":\"assistant\",\"content\":[{\"type\":\"tool_use\",\"id\":\"toolu_1\","
                + "\"name\":\"get_weather\",\"input\":{\"city\":\"demo\"}}]},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\","
                + "\"tool_use_id\":\"toolu_1\",\"content\":\"Sunny\"}]}]}",
            good());
    assertThat(answer.body())
        .contains("\"stop_reason\":\"end_turn\"")
        .contains("\"type\":\"text\"");
  }

  @Test
  void reportsEveryRequestThatCarriedAGatewayInternalHeader() throws Exception {
    post("/v1/messages", hello("claude-test", 5, false), good());
    assertThat(server.gatewayHeaderLeaks()).isEmpty();
    Map<String, String> leaking = good();
    leaking.put("X-Tollgate-Model-Span", "9,22");
    leaking.put("x-tollgate-client-path", "/v1/messages");
    post("/v1/messages", hello("claude-test", 5, false), leaking);
    assertThat(server.lastReceived().gatewayHeaders())
        .containsExactly("x-tollgate-client-path", "x-tollgate-model-span");
    assertThat(server.gatewayHeaderLeaks())
        .containsExactly("POST /v1/messages [x-tollgate-client-path, x-tollgate-model-span]");
  }
}
