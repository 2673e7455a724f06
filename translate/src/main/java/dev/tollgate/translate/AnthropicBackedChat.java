package dev.tollgate.translate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;

/**
 * A Chat Completions request sent to an Anthropic backend, and the way back: Anthropic's message as
 * a {@code chat.completion}, its errors in OpenAI's shape, its event stream as chunks.
 */
final class AnthropicBackedChat implements Translation {
  static final String MESSAGES_PATH = "/v1/messages";

  private final byte[] body;
  private final boolean streaming;
  private final boolean includeUsage;
  private final RequestOptions options;

  AnthropicBackedChat(
      byte[] body, boolean streaming, boolean includeUsage, RequestOptions options) {
    this.body = body;
    this.streaming = streaming;
    this.includeUsage = includeUsage;
    this.options = options;
  }

  @Override
  public byte[] body() {
    return body.clone();
  }

  @Override
  public String upstreamPath() {
    return MESSAGES_PATH;
  }

  @Override
  public boolean streaming() {
    return streaming;
  }

  @Override
  public TranslatedResponse response(int status, byte[] upstream) {
    ObjectNode message = Json.readObject(upstream, 0, upstream.length);
    if (status < 200 || status > 299) {
      return new TranslatedResponse(status, error(status, message), Optional.empty());
    }
    if (message == null || !"message".equals(message.path("type").asText())) {
      return new TranslatedResponse(
          502,
          ErrorShapes.openAi(
              "The Anthropic backend answered with a body that is not a message.",
              "server_error",
              null,
              "untranslatable_response"),
          Optional.empty());
    }
    TokenUsage usage = usage(message.path("usage"));
    return new TranslatedResponse(
        status, Json.bytes(completion(message, usage)), Optional.of(usage));
  }

  @Override
  public StreamTranslator stream() {
    return new AnthropicStreamToChat(includeUsage, options.clock());
  }

  /** Anthropic's error (or anything else) as OpenAI's error body with the same meaning. */
  static byte[] error(int status, ObjectNode body) {
    JsonNode error = body == null ? null : body.get("error");
    String type = error == null ? null : error.path("type").asText(null);
    String message = error == null ? null : error.path("message").asText(null);
    if (message == null || message.isBlank()) {
      message = "The Anthropic backend answered HTTP " + status + " without an error message.";
    }
    return ErrorShapes.openAi(
        message, ErrorShapes.openAiTypeOfAnthropic(type, status), null, type == null ? null : type);
  }

  /** Anthropic's {@code usage} object as token counts; absent counts are 0. */
  static TokenUsage usage(JsonNode usage) {
    return new TokenUsage(
        count(usage, "input_tokens"),
        count(usage, "output_tokens"),
        count(usage, "cache_read_input_tokens"),
        count(usage, "cache_creation_input_tokens"));
  }

  private static long count(JsonNode usage, String field) {
    JsonNode value = usage.path(field);
    return value.canConvertToLong() ? Math.max(0, value.asLong()) : 0;
  }

  /** OpenAI's usage object for token counts. */
  static ObjectNode openAiUsage(TokenUsage usage) {
    ObjectNode node = Json.object();
    node.put("prompt_tokens", usage.totalInputTokens());
    node.put("completion_tokens", usage.outputTokens());
    node.put("total_tokens", usage.totalInputTokens() + usage.outputTokens());
    node.putObject("prompt_tokens_details").put("cached_tokens", usage.cacheReadInputTokens());
    return node;
  }

  /** Anthropic's stop reason as OpenAI's finish reason. */
  static String finishReason(String stopReason) {
    if (stopReason == null) {
      return null;
    }
    return switch (stopReason) {
      case "max_tokens", "model_context_window_exceeded" -> "length";
      case "tool_use" -> "tool_calls";
      case "refusal" -> "content_filter";
      default -> "stop";
    };
  }

  private ObjectNode completion(ObjectNode message, TokenUsage usage) {
    ObjectNode out = Json.object();
    out.put("id", message.path("id").asText(""));
    out.put("object", "chat.completion");
    out.put("created", options.clock().instant().getEpochSecond());
    out.put("model", message.path("model").asText(options.upstreamModel()));
    ArrayNode choices = out.putArray("choices");
    ObjectNode choice = choices.addObject().put("index", 0);
    ObjectNode reply = choice.putObject("message").put("role", "assistant");
    StringBuilder text = new StringBuilder();
    boolean hasText = false;
    ArrayNode calls = Json.NODES.arrayNode();
    for (JsonNode block : message.path("content")) {
      switch (block.path("type").asText()) {
        case "text" -> {
          text.append(block.path("text").asText());
          hasText = true;
        }
        case "tool_use" -> {
          ObjectNode call = calls.addObject();
          call.put("id", block.path("id").asText());
          call.put("type", "function");
          ObjectNode function = call.putObject("function");
          function.put("name", block.path("name").asText());
          function.put("arguments", Json.text(block.path("input")));
        }
        default -> {
          // Thinking and server-tool blocks only come when asked for; a translated request never
          // asks for them, so there is nothing an OpenAI client could be owed here.
        }
      }
    }
    if (hasText) {
      reply.put("content", text.toString());
    } else {
      reply.putNull("content");
    }
    reply.putNull("refusal");
    if (!calls.isEmpty()) {
      reply.set("tool_calls", calls);
    }
    choice.putNull("logprobs");
    choice.put("finish_reason", finishReason(message.path("stop_reason").asText(null)));
    out.set("usage", openAiUsage(usage));
    return out;
  }
}
