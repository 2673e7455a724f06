package dev.tollgate.emulator.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.emulator.ProviderEmulator;
import dev.tollgate.emulator.ReceivedRequest;
import dev.tollgate.emulator.Reply;
import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * A strict stand-in for Anthropic's Messages API ({@code POST /v1/messages} and {@code POST
 * /v1/messages/count_tokens}), mounted on an {@link dev.tollgate.emulator.EmulatorServer} (which
 * records what it received) before an emulator that claims every path. It refuses what Anthropic
 * refuses, in Anthropic's error shape and status: a missing or wrong {@code x-api-key} (401 {@code
 * authentication_error}; {@code Authorization: Bearer} is not Anthropic's scheme), a missing {@code
 * anthropic-version} (400), another path (404) or method (405), a body that is not JSON or lacks
 * {@code model}, {@code messages} or {@code max_tokens} (400), and a model it does not offer (404
 * {@code not_found_error}). It answers with a deterministic text (or a {@code tool_use} of the
 * request's first tool while the last user turn is not a tool result), usage in Anthropic's fields
 * ({@code input_tokens}, {@code cache_creation_input_tokens}, {@code cache_read_input_tokens},
 * {@code output_tokens}), and streams in Anthropic's named events ({@link MessageEvents}).
 *
 * <p>Faults on demand, for fallback and budget tests: a model whose name ends in {@code
 * -ratelimited} answers 429 {@code rate_limit_error} with {@code retry-after}, one ending in {@code
 * -overloaded} answers 529 {@code overloaded_error}. Token counts are words of the text (a word is
 * a token), so tests can predict them. Prompt caching: a request whose system prompt has a block
 * with {@code cache_control} reports the tools and system prompt as {@code
 * cache_creation_input_tokens} the first time and as {@code cache_read_input_tokens} after.
 * Thread-safe.
 */
public final class AnthropicEmulator implements ProviderEmulator {
  /** The path prefix it claims. */
  public static final String CONTEXT = "/v1/messages";

  static final ObjectMapper JSON = new ObjectMapper();

  private final Supplier<? extends Collection<String>> models;
  private final String apiKey;
  private final AtomicLong ids = new AtomicLong();
  private final Set<String> cache = ConcurrentHashMap.newKeySet();

  private static final int MAX_CACHED_PREFIXES = 1024;

  /**
   * Creates the emulator.
   *
   * @param models the models it offers; others get 404
   * @param apiKey the key callers must send as {@code x-api-key}, or null to accept any
   */
  public AnthropicEmulator(List<String> models, String apiKey) {
    this(supplierOf(Set.copyOf(models)), apiKey);
  }

  /**
   * Creates the emulator with a model list that may change (the demo upstream's follows the
   * providers that point at it).
   *
   * @param models the models it offers now; others get 404
   * @param apiKey the key callers must send as {@code x-api-key}, or null to accept any
   */
  public AnthropicEmulator(Supplier<? extends Collection<String>> models, String apiKey) {
    this.models = models;
    this.apiKey = apiKey;
  }

  private static Supplier<Set<String>> supplierOf(Set<String> models) {
    return () -> models;
  }

  /** Claims {@code /v1/messages} and every path under it (others there get Anthropic's 404). */
  @Override
  public boolean claims(ReceivedRequest request) {
    return request.path().startsWith(CONTEXT);
  }

  @Override
  public void answer(ReceivedRequest received, Reply reply) throws IOException {
    String path = received.path();
    boolean countTokens = path.equals(CONTEXT + "/count_tokens");
    if (!path.equals(CONTEXT) && !countTokens) {
      error(reply, 404, "not_found_error", "Not Found");
      return;
    }
    if (!received.method().equals("POST")) {
      reply.header("allow", "POST");
      error(reply, 405, "invalid_request_error", "Method Not Allowed");
      return;
    }
    String key = received.header("x-api-key").orElse(null);
    if (key == null) {
      error(reply, 401, "authentication_error", "x-api-key header is required");
      return;
    }
    if (apiKey != null && !key.equals(apiKey)) {
      error(reply, 401, "authentication_error", "invalid x-api-key");
      return;
    }
    if (received.header("anthropic-version").isEmpty()) {
      error(reply, 400, "invalid_request_error", "anthropic-version: header is required");
      return;
    }
    JsonNode request;
    try {
      request = JSON.readTree(received.body());
    } catch (IOException e) {
      error(reply, 400, "invalid_request_error", "There was an error parsing the body.");
      return;
    }
    if (request == null || !request.isObject()) {
      error(reply, 400, "invalid_request_error", "The request body is not valid JSON.");
      return;
    }
    String missing = missingField(request, countTokens);
    if (missing != null) {
      error(reply, 400, "invalid_request_error", missing + ": Field required");
      return;
    }
    String model = request.get("model").asText();
    if (model.endsWith("-ratelimited")) {
      reply.header("retry-after", "1");
      error(reply, 429, "rate_limit_error", "Number of requests has exceeded your rate limit.");
      return;
    }
    if (model.endsWith("-overloaded")) {
      error(reply, 529, "overloaded_error", "Overloaded");
      return;
    }
    if (!models.get().contains(model)) {
      error(reply, 404, "not_found_error", "model: " + model);
      return;
    }
    Prompt prompt = Prompt.of(request);
    if (countTokens) {
      send(reply, 200, JSON.createObjectNode().put("input_tokens", prompt.inputTokens()));
      return;
    }
    Answer answer =
        Answer.to(
            request,
            prompt,
            "msg_emu" + String.format("%017d", ids.incrementAndGet()),
            prompt.cachePrefix() != null && cached(prompt.cachePrefix()));
    if (request.path("stream").asBoolean(false)) {
      reply.header("cache-control", "no-cache").header("request-id", requestId());
      reply.startStream("text/event-stream; charset=utf-8");
      MessageEvents.write(answer, model, reply);
      return;
    }
    send(reply, 200, answer.message(model));
  }

  /** Whether a prefix was cached before; caches it now. Bounded: forgets all past the limit. */
  private boolean cached(String prefix) {
    if (cache.size() >= MAX_CACHED_PREFIXES) {
      cache.clear();
    }
    return !cache.add(prefix);
  }

  private static String missingField(JsonNode request, boolean countTokens) {
    if (!request.path("model").isTextual()) {
      return "model";
    }
    if (!request.path("messages").isArray()) {
      return "messages";
    }
    if (!countTokens && !request.path("max_tokens").isIntegralNumber()) {
      return "max_tokens";
    }
    return null;
  }

  private String requestId() {
    return "req_emu" + String.format("%017d", ids.incrementAndGet());
  }

  private void send(Reply reply, int status, JsonNode body) throws IOException {
    reply.header("request-id", requestId());
    reply.send(status, "application/json", JSON.writeValueAsString(body));
  }

  private void error(Reply reply, int status, String type, String message) throws IOException {
    String id = requestId();
    ObjectNode body = JSON.createObjectNode().put("type", "error");
    body.putObject("error").put("type", type).put("message", message);
    body.put("request_id", id);
    reply.header("request-id", id);
    reply.send(status, "application/json", JSON.writeValueAsString(body));
  }
}
