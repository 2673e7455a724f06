package dev.tollgate.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A provider stand-in that knows what it accepts: one path, one key in one header, one model. What
 * differs is refused the way the provider refuses it (wrong path 404, wrong key 401, unknown model
 * 404, each in the provider's error body), and every request is recorded, so a test proves what the
 * provider received. Answers a chat completion with usage (JSON, or OpenAI's chunks when the
 * request streams), or 503 to everything while {@code down}.
 *
 * <p>It stands in until the strict emulators of issue 14 (module {@code emulator}) serve the e2e
 * tests; it only checks what a request's attempt decides (path, key, model, body length).
 * Thread-safe.
 */
final class ExpectingProvider implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** How a provider refuses a request it does not accept. */
  enum Dialect {
    OPENAI,
    AZURE,
    VLLM
  }

  /**
   * One request as it arrived.
   *
   * @param method the HTTP method
   * @param path the path with its query
   * @param headers the headers, names lower-cased
   * @param body the body bytes as received
   * @param status the status it was answered with
   */
  record Received(
      String method, String path, Map<String, String> headers, byte[] body, int status) {
    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private final String name;
  private final Dialect dialect;
  private final String path;
  private final String keyHeader;
  private final String keyValue;
  private final String model;
  private final boolean down;
  private final HttpServer server;
  private final ExecutorService executor = Executors.newFixedThreadPool(4);
  private final List<Received> received = new CopyOnWriteArrayList<>();

  /**
   * Starts a stand-in on a free port of 127.0.0.1.
   *
   * @param path the one path it serves, with its query
   * @param keyHeader the header its key arrives in; {@code keyValue} is that header's whole value
   * @param model the one model it serves
   * @param down whether it answers 503 to every request it accepts, as an outage
   */
  ExpectingProvider(
      String name,
      Dialect dialect,
      String path,
      String keyHeader,
      String keyValue,
      String model,
      boolean down) {
    this.name = name;
    this.dialect = dialect;
    this.path = path;
    this.keyHeader = keyHeader;
    this.keyValue = keyValue;
    this.model = model;
    this.down = down;
    try {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.createContext("/", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  /** The base URL, {@code http://127.0.0.1:<port>}. */
  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Every request received so far, in order. */
  List<Received> received() {
    return List.copyOf(received);
  }

  String name() {
    return name;
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body = exchange.getRequestBody().readAllBytes();
      Map<String, String> headers = new TreeMap<>();
      exchange
          .getRequestHeaders()
          .forEach((k, v) -> headers.put(k.toLowerCase(), String.join(",", v)));
      String method = exchange.getRequestMethod();
      String target = exchange.getRequestURI().toString();
      int status;
      String answer;
      String requestedModel = modelOf(body);
      if (!method.equals("POST") || !target.equals(path)) {
        status = 404;
        answer = wrongPath(method, target);
      } else if (!keyValue.equals(headers.get(keyHeader))) {
        status = 401;
        answer = badKey();
      } else if (!model.equals(requestedModel)) {
        status = 404;
        answer = unknownModel(requestedModel);
      } else if (down) {
        status = 503;
        answer =
            "{\"error\":{\"message\":\"The server is overloaded or not ready yet.\","
                + "\"type\":\"server_error\",\"param\":null,\"code\":null}}";
      } else {
        status = 200;
        answer =
            "{\"id\":\"chatcmpl-"
                + name
                + "\",\"object\":\"chat.completion\",\"created\":1733097600,\"model\":\""
                + model
                + "\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
                + "\"Hello from "
                + name
                + "\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":7,\"total_tokens\":18}}";
      }
      received.add(new Received(method, target, headers, body, status));
      if (status == 200 && streams(body)) {
        stream(exchange, body);
        return;
      }
      byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("content-type", "application/json");
      exchange.sendResponseHeaders(status, bytes.length);
      exchange.getResponseBody().write(bytes);
    }
  }

  private static boolean streams(byte[] body) {
    try {
      return JSON.readTree(body).path("stream").asBoolean(false);
    } catch (IOException e) {
      return false;
    }
  }

  /** OpenAI's chunks: a role and content delta, the finish, the usage chunk if asked, [DONE]. */
  private void stream(HttpExchange exchange, byte[] body) throws IOException {
    boolean usage = JSON.readTree(body).path("stream_options").path("include_usage").asBoolean();
    String head =
        "{\"id\":\"chatcmpl-"
            + name
            + "\",\"object\":\"chat.completion.chunk\",\"created\":1733097600,\"model\":\""
            + model
            + "\",\"system_fingerprint\":null,\"choices\":";
    StringBuilder events = new StringBuilder();
    events.append("data: ").append(head).append("[{\"index\":0,\"delta\":{\"role\":");
    events.append("\"assistant\",\"content\":\"Hello from ").append(name);
    events.append("\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":null}]}\n\n");
    events.append("data: ").append(head);
    events.append("[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}]}\n\n");
    if (usage) {
      events.append("data: ").append(head).append("[],\"usage\":{\"prompt_tokens\":11,");
      events.append("\"completion_tokens\":7,\"total_tokens\":18}}\n\n");
    }
    events.append("data: [DONE]\n\n");
    byte[] bytes = events.toString().getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("content-type", "text/event-stream; charset=utf-8");
    exchange.sendResponseHeaders(200, 0);
    exchange.getResponseBody().write(bytes);
  }

  private static String modelOf(byte[] body) {
    try {
      JsonNode json = JSON.readTree(body);
      return json == null ? null : json.path("model").asText(null);
    } catch (IOException e) {
      return null;
    }
  }

  private String wrongPath(String method, String target) {
    return switch (dialect) {
      case OPENAI ->
          "{\"error\":{\"message\":\"Invalid URL ("
              + method
              + " "
              + target
              + ")\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}}";
      case AZURE -> "{\"error\":{\"code\":\"404\",\"message\":\"Resource not found\"}}";
      case VLLM -> "{\"detail\":\"Not Found\"}";
    };
  }

  private String badKey() {
    return switch (dialect) {
      case OPENAI ->
          "{\"error\":{\"message\":\"Incorrect API key provided. You can find your API key at"
              + " https://platform.openai.com/account/api-keys.\",\"type\":\"invalid_request_error\","
              + "\"param\":null,\"code\":\"invalid_api_key\"}}";
      case AZURE ->
          "{\"error\":{\"code\":\"401\",\"message\":\"Access denied due to invalid subscription"
              + " key or wrong API endpoint. Make sure to provide a valid key for an active"
              + " subscription and use a correct regional API endpoint for your resource.\"}}";
      case VLLM -> "{\"error\":\"Unauthorized\"}";
    };
  }

  private String unknownModel(String requested) {
    return switch (dialect) {
      case OPENAI, AZURE ->
          "{\"error\":{\"message\":\"The model `"
              + requested
              + "` does not exist or you do not have access to it.\","
              + "\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"model_not_found\"}}";
      case VLLM ->
          "{\"object\":\"error\",\"message\":\"The model `"
              + requested
              + "` does not exist.\",\"type\":\"NotFoundError\",\"param\":null,\"code\":404}";
    };
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
