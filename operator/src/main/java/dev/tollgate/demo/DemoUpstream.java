package dev.tollgate.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.tollgate.emulator.anthropic.AnthropicEmulator;
import dev.tollgate.model.Wire;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A local OpenAI-compatible server for the quickstart, end-to-end tests and benchmarks: chat
 * completions (JSON and server-sent events, with usage), embeddings and the model list.
 *
 * <p>Faults on demand: a model whose name ends in {@code -unavailable} answers 503, one ending in
 * {@code -ratelimited} answers 429; the request headers {@code x-demo-status}, {@code
 * x-demo-delay-ms} and {@code x-demo-chunk-delay-ms} force a status, delay the answer, or slow a
 * stream (or a JSON answer, sent in 8 KiB pieces); {@code x-demo-words} makes the answer that many
 * words long (the sentence repeated, at most {@value #MAX_WORDS}, still capped by the request's
 * {@code max_tokens}). The model answered is the {@code x-tollgate-upstream-model} header Tollgate
 * sets per attempt, else the body's {@code model}. When a key is required, any other Authorization
 * answers 401. Under {@code /v1/messages} it serves {@link AnthropicEmulator} (model {@code
 * demo-claude}, the same key as {@code x-api-key}). Thread-safe.
 */
public final class DemoUpstream implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DemoUpstream.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String[] WORDS =
      "Tollgate forwarded this request to the demo upstream which answers every prompt with the same calm sentence about budgets and tokens"
          .split(" ");
  private static final int MAX_WORDS = 100_000;

  /** The models the Anthropic emulator under {@code /v1/messages} offers. */
  public static final List<String> ANTHROPIC_MODELS = List.of("demo-claude");

  private final HttpServer server;
  private final ExecutorService executor;
  private final List<String> models;
  private final String requiredKey;
  private final long latencyMillis;
  private final AtomicLong ids = new AtomicLong();

  private DemoUpstream(
      HttpServer server,
      ExecutorService executor,
      List<String> models,
      String requiredKey,
      long latencyMillis) {
    this.server = server;
    this.executor = executor;
    this.models = List.copyOf(models);
    this.requiredKey = requiredKey;
    this.latencyMillis = latencyMillis;
  }

  /**
   * Starts the server.
   *
   * @param host address to bind
   * @param port port, 0 for any free port
   * @param models the model names listed by {@code /v1/models}
   * @param requiredKey the API key callers must present, or null to accept any
   * @param latencyMillis delay before every answer
   */
  public static DemoUpstream start(
      String host, int port, List<String> models, String requiredKey, long latencyMillis) {
    try {
      HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 1024);
      ExecutorService executor =
          Executors.newFixedThreadPool(
              64,
              r -> {
                Thread t = new Thread(r, "demo-upstream");
                t.setDaemon(true);
                return t;
              });
      DemoUpstream demo = new DemoUpstream(server, executor, models, requiredKey, latencyMillis);
      server.createContext("/", demo::handle);
      // Anthropic's Messages API, strict, for the quickstart's Anthropic provider (same key).
      server.createContext(
          AnthropicEmulator.CONTEXT, new AnthropicEmulator(ANTHROPIC_MODELS, requiredKey));
      server.setExecutor(executor);
      server.start();
      LOG.info("demo upstream listening on {}:{}", host, server.getAddress().getPort());
      return demo;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the demo upstream on " + host + ":" + port, e);
    }
  }

  /** Returns the port the server listens on. */
  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body = exchange.getRequestBody().readAllBytes();
      sleep(latencyMillis + headerLong(exchange, "x-demo-delay-ms"));
      if (requiredKey != null
          && !("Bearer " + requiredKey)
              .equals(exchange.getRequestHeaders().getFirst("authorization"))) {
        error(
            exchange,
            401,
            "Incorrect API key provided to the demo upstream.",
            "invalid_request_error",
            "invalid_api_key");
        return;
      }
      String forced = exchange.getRequestHeaders().getFirst("x-demo-status");
      if (forced != null && forced.matches("[1-5][0-9][0-9]") && !forced.startsWith("2")) {
        error(
            exchange,
            Integer.parseInt(forced),
            "Forced status " + forced + " from the demo upstream.",
            "server_error",
            "forced");
        return;
      }
      String path = exchange.getRequestURI().getPath();
      String method = exchange.getRequestMethod();
      if (method.equals("GET") && path.endsWith("/models")) {
        listModels(exchange);
      } else if (method.equals("POST") && path.endsWith("/chat/completions")) {
        chat(exchange, parse(body));
      } else if (method.equals("POST") && path.endsWith("/embeddings")) {
        embeddings(exchange, parse(body));
      } else {
        error(
            exchange,
            404,
            "Unknown path " + path + " on the demo upstream.",
            "invalid_request_error",
            "not_found");
      }
    } catch (BadRequest e) {
      error(exchange, 400, e.getMessage(), "invalid_request_error", "invalid_body");
    } catch (IOException e) {
      LOG.debug("client went away: {}", e.getMessage());
    }
  }

  private void listModels(HttpExchange exchange) throws IOException {
    ObjectNode list = JSON.createObjectNode().put("object", "list");
    ArrayNode data = list.putArray("data");
    for (String model : models) {
      data.addObject()
          .put("id", model)
          .put("object", "model")
          .put("created", 1_700_000_000L)
          .put("owned_by", "tollgate-demo");
    }
    send(exchange, 200, list);
  }

  private void chat(HttpExchange exchange, JsonNode request) throws IOException {
    String model = model(exchange, request);
    if (failByModel(exchange, model)) {
      return;
    }
    int promptTokens = 0;
    for (JsonNode message : request.path("messages")) {
      promptTokens += 4 + estimateTokens(message.path("content").asText(""));
    }
    long asked = headerLong(exchange, "x-demo-words");
    int words = asked > 0 ? (int) Math.min(asked, MAX_WORDS) : WORDS.length;
    int maxTokens =
        request.path("max_completion_tokens").asInt(request.path("max_tokens").asInt(words));
    int outputTokens = Math.max(1, Math.min(maxTokens, words));
    String id = "chatcmpl-demo-" + ids.incrementAndGet();
    if (request.path("stream").asBoolean(false)) {
      stream(exchange, request, model, id, promptTokens, outputTokens, words);
      return;
    }
    ObjectNode response =
        JSON.createObjectNode()
            .put("id", id)
            .put("object", "chat.completion")
            .put("created", 1_700_000_000L)
            .put("model", model);
    ObjectNode choice = response.putArray("choices").addObject();
    choice.put("index", 0).put("finish_reason", outputTokens < words ? "length" : "stop");
    choice.putObject("message").put("role", "assistant").put("content", text(outputTokens));
    usage(response.putObject("usage"), promptTokens, outputTokens);
    long chunkDelay = headerLong(exchange, "x-demo-chunk-delay-ms");
    if (chunkDelay == 0) {
      send(exchange, 200, response);
      return;
    }
    // Slowed down: the body goes out in 8 KiB pieces, the usage at its very end.
    byte[] bytes = JSON.writeValueAsBytes(response);
    exchange.getResponseHeaders().add("content-type", "application/json");
    exchange.sendResponseHeaders(200, bytes.length);
    OutputStream out = exchange.getResponseBody();
    for (int at = 0; at < bytes.length; at += 8192) {
      out.write(bytes, at, Math.min(8192, bytes.length - at));
      out.flush();
      sleep(chunkDelay);
    }
  }

  private void stream(
      HttpExchange exchange,
      JsonNode request,
      String model,
      String id,
      int promptTokens,
      int outputTokens,
      int words)
      throws IOException {
    long chunkDelay = headerLong(exchange, "x-demo-chunk-delay-ms");
    exchange.getResponseHeaders().add("content-type", "text/event-stream");
    exchange.getResponseHeaders().add("cache-control", "no-cache");
    exchange.sendResponseHeaders(200, 0);
    OutputStream out = exchange.getResponseBody();
    for (int i = 0; i < outputTokens; i++) {
      ObjectNode chunk = chunk(id, model);
      ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
      ObjectNode delta = choice.putObject("delta");
      if (i == 0) {
        delta.put("role", "assistant");
      }
      delta.put("content", (i == 0 ? "" : " ") + WORDS[i % WORDS.length]);
      choice.putNull("finish_reason");
      event(out, chunk);
      sleep(chunkDelay);
    }
    ObjectNode last = chunk(id, model);
    last.putArray("choices")
        .addObject()
        .put("index", 0)
        .put("finish_reason", outputTokens < words ? "length" : "stop")
        .putObject("delta");
    event(out, last);
    if (request.path("stream_options").path("include_usage").asBoolean(false)) {
      ObjectNode usage = chunk(id, model);
      usage.putArray("choices");
      usage(usage.putObject("usage"), promptTokens, outputTokens);
      event(out, usage);
    }
    out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  private void embeddings(HttpExchange exchange, JsonNode request) throws IOException {
    String model = model(exchange, request);
    if (failByModel(exchange, model)) {
      return;
    }
    JsonNode input = request.path("input");
    List<String> inputs =
        input.isArray()
            ? JSON.convertValue(
                input, JSON.getTypeFactory().constructCollectionType(List.class, String.class))
            : List.of(input.asText(""));
    ObjectNode response = JSON.createObjectNode().put("object", "list").put("model", model);
    ArrayNode data = response.putArray("data");
    int tokens = 0;
    for (int i = 0; i < inputs.size(); i++) {
      String text = String.valueOf(inputs.get(i));
      tokens += estimateTokens(text);
      ArrayNode vector =
          data.addObject().put("object", "embedding").put("index", i).putArray("embedding");
      int hash = text.hashCode();
      for (int d = 0; d < 8; d++) {
        vector.add(((hash >>> (d * 4)) & 0xF) / 15.0);
      }
    }
    response.putObject("usage").put("prompt_tokens", tokens).put("total_tokens", tokens);
    send(exchange, 200, response);
  }

  private boolean failByModel(HttpExchange exchange, String model) throws IOException {
    if (model.endsWith("-unavailable")) {
      error(
          exchange,
          503,
          "The demo model " + model + " is unavailable.",
          "server_error",
          "unavailable");
      return true;
    }
    if (model.endsWith("-ratelimited")) {
      exchange.getResponseHeaders().add("retry-after", "1");
      error(
          exchange,
          429,
          "The demo model " + model + " is rate limited.",
          "rate_limit_exceeded",
          "rate_limit_exceeded");
      return true;
    }
    return false;
  }

  private static String model(HttpExchange exchange, JsonNode request) {
    String upstream = exchange.getRequestHeaders().getFirst(Wire.UPSTREAM_MODEL_HEADER);
    return upstream != null ? upstream : request.path("model").asText("demo-chat");
  }

  private static ObjectNode chunk(String id, String model) {
    return JSON.createObjectNode()
        .put("id", id)
        .put("object", "chat.completion.chunk")
        .put("created", 1_700_000_000L)
        .put("model", model);
  }

  private static void usage(ObjectNode usage, int prompt, int completion) {
    usage
        .put("prompt_tokens", prompt)
        .put("completion_tokens", completion)
        .put("total_tokens", prompt + completion);
  }

  private static String text(int words) {
    StringBuilder text = new StringBuilder(words * 8);
    for (int i = 0; i < words; i++) {
      text.append(i == 0 ? "" : " ").append(WORDS[i % WORDS.length]);
    }
    return text.toString();
  }

  /** About four characters per token, as OpenAI documents for English text. */
  private static int estimateTokens(String text) {
    return Math.max(1, (text.length() + 3) / 4);
  }

  private static void event(OutputStream out, JsonNode data) throws IOException {
    out.write(("data: " + JSON.writeValueAsString(data) + "\n\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  private static JsonNode parse(byte[] body) throws BadRequest {
    try {
      JsonNode node = JSON.readTree(body);
      if (node == null || !node.isObject()) {
        throw new BadRequest("The request body must be a JSON object.");
      }
      return node;
    } catch (IOException e) {
      throw new BadRequest("The request body is not valid JSON.");
    }
  }

  private static void send(HttpExchange exchange, int status, JsonNode body) throws IOException {
    byte[] bytes = JSON.writeValueAsBytes(body);
    exchange.getResponseHeaders().add("content-type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
  }

  private static void error(
      HttpExchange exchange, int status, String message, String type, String code)
      throws IOException {
    ObjectNode body = JSON.createObjectNode();
    body.putObject("error")
        .put("message", message)
        .put("type", type)
        .putNull("param")
        .put("code", code);
    send(exchange, status, body);
  }

  private static long headerLong(HttpExchange exchange, String name) {
    String value = exchange.getRequestHeaders().getFirst(name);
    if (value == null || !value.matches("[0-9]{1,6}")) {
      return 0;
    }
    return Long.parseLong(value);
  }

  private static void sleep(long millis) {
    if (millis <= 0) {
      return;
    }
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** A request the demo upstream cannot read. */
  private static final class BadRequest extends Exception {
    private static final long serialVersionUID = 1L;

    BadRequest(String message) {
      super(message);
    }
  }
}
