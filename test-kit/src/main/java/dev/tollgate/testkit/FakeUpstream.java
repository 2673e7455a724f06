package dev.tollgate.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A local HTTP server standing in for a model provider, which remembers the last request it
 * received and answers in one of the ways chosen when it starts: {@link #echo} (what reached which
 * upstream) or {@link #chatCompletions} (what the gateway does with a provider's answer).
 *
 * <p>It checks nothing it receives; a strict stand-in is the {@code emulator} module's. OpenAI's
 * recorded Responses API bytes are here as {@link #responsesAnswer} for the processor's unit tests.
 * Thread-safe.
 */
public final class FakeUpstream implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** How the server answers one request, given what it received and the status to answer. */
  private interface Answer {
    void write(HttpExchange exchange, JsonNode body, Map<String, String> headers, int status)
        throws IOException;
  }

  private final HttpServer server;
  private final ExecutorService executor = Executors.newFixedThreadPool(8);
  private volatile boolean failing;
  private volatile JsonNode lastBody;
  private volatile Map<String, String> lastHeaders = Map.of();
  private volatile String lastMethod;
  private volatile String lastPath;
  private volatile Map<String, String> responseHeaders = Map.of();

  private FakeUpstream(Answer answer) {
    try {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 128);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.createContext(
        "/",
        exchange -> {
          try {
            JsonNode body = parse(exchange.getRequestBody().readAllBytes());
            Map<String, String> headers = new TreeMap<>();
            exchange
                .getRequestHeaders()
                .forEach((k, v) -> headers.put(k.toLowerCase(), String.join(",", v)));
            lastHeaders = headers;
            lastBody = body;
            lastMethod = exchange.getRequestMethod();
            lastPath = exchange.getRequestURI().toString();
            responseHeaders.forEach(exchange.getResponseHeaders()::add);
            answer.write(exchange, body, headers, failing ? 503 : 200);
          } finally {
            exchange.close();
          }
        });
    server.setExecutor(executor);
    server.start();
  }

  /**
   * Starts a server that answers every request with JSON naming itself ({@code server}) and echoing
   * the path and the (lower-cased) headers it received ({@code path}, {@code headers}).
   */
  public static FakeUpstream echo(String name) {
    return new FakeUpstream(
        (exchange, body, headers, status) -> {
          Map<String, Object> echo = new TreeMap<>();
          echo.put("server", name);
          echo.put("path", exchange.getRequestURI().toString());
          echo.put("headers", headers);
          sendJson(exchange, status, JSON.writeValueAsString(echo));
        });
  }

  /**
   * Starts an OpenAI-style provider: chat completions answer JSON, or server-sent events when the
   * request streams (with a usage chunk when it asks for one), always reporting 11 prompt and 7
   * completion tokens for the body's {@code model}.
   */
  public static FakeUpstream chatCompletions() {
    return new FakeUpstream(
        (exchange, body, headers, status) -> {
          String model = body.path("model").asText();
          if (body.path("stream").asBoolean()) {
            streamChat(exchange, status, model, body);
          } else {
            sendJson(
                exchange,
                status,
                "{\"id\":\"x\",\"object\":\"chat.completion\",\"model\":\""
                    + model
                    + "\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Hello from the fake\"}}],"
                    + "\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":7,\"total_tokens\":18}}");
          }
        });
  }

  /** Returns the port on 127.0.0.1. */
  public int port() {
    return server.getAddress().getPort();
  }

  /** While failing, every answer has status 503 (the body is the same), as a provider outage. */
  public void failing(boolean failing) {
    this.failing = failing;
  }

  /** Adds these headers to every answer from now on, as a provider's own (e.g. its rate limits). */
  public void respondWithHeaders(Map<String, String> headers) {
    this.responseHeaders = Map.copyOf(headers);
  }

  /** Returns the method of the last request, or null. */
  public String lastMethod() {
    return lastMethod;
  }

  /** Returns the path and query of the last request, or null. */
  public String lastPath() {
    return lastPath;
  }

  /** Returns the JSON body of the last request (an empty object if it was not JSON), or null. */
  public JsonNode lastBody() {
    return lastBody;
  }

  /** Returns the headers of the last request, names lower-cased, values joined with commas. */
  public Map<String, String> lastHeaders() {
    return lastHeaders;
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  private static byte[] resource(String name) {
    try (var in = FakeUpstream.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The bytes of one of the answers in {@code dev/tollgate/testkit/responses}. */
  public static String responsesAnswer(String name) {
    return new String(resource("responses/" + name), StandardCharsets.UTF_8);
  }

  private static JsonNode parse(byte[] in) {
    try {
      JsonNode body = JSON.readTree(in);
      return body == null || body.isMissingNode() ? JSON.createObjectNode() : body;
    } catch (IOException e) {
      return JSON.createObjectNode();
    }
  }

  private static void sendJson(HttpExchange exchange, int status, String json) throws IOException {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("content-type", "application/json");
    exchange.sendResponseHeaders(status, body.length);
    exchange.getResponseBody().write(body);
  }

  private static void streamChat(HttpExchange exchange, int status, String model, JsonNode body)
      throws IOException {
    exchange.getResponseHeaders().add("content-type", "text/event-stream");
    exchange.sendResponseHeaders(status, 0);
    try (OutputStream out = exchange.getResponseBody()) {
      for (String word : List.of("Hello", " from", " the", " fake")) {
        event(
            out,
            "{\"model\":\""
                + model
                + "\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\""
                + word
                + "\"}}]}");
      }
      if (body.path("stream_options").path("include_usage").asBoolean()) {
        event(
            out,
            "{\"model\":\""
                + model
                + "\",\"choices\":[],\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":7,\"total_tokens\":18}}");
      }
      event(out, "[DONE]");
    }
  }

  private static void event(OutputStream out, String data) throws IOException {
    out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }
}
