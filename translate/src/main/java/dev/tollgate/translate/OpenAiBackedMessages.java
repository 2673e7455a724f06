package dev.tollgate.translate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Optional;

/**
 * A Messages request sent to an OpenAI-shaped backend, and the way back: a {@code chat.completion}
 * as Anthropic's {@code message}, OpenAI errors in Anthropic's shape, chunks as named events.
 */
final class OpenAiBackedMessages implements Translation {
  static final String CHAT_PATH = "/v1/chat/completions";

  private final byte[] body;
  private final boolean streaming;
  private final RequestOptions options;

  OpenAiBackedMessages(byte[] body, boolean streaming, RequestOptions options) {
    this.body = body;
    this.streaming = streaming;
    this.options = options;
  }

  @Override
  public byte[] body() {
    return body.clone();
  }

  @Override
  public String upstreamPath() {
    return CHAT_PATH;
  }

  @Override
  public boolean streaming() {
    return streaming;
  }

  @Override
  public TranslatedResponse response(int status, byte[] upstream) {
    ObjectNode completion = Json.readObject(upstream, 0, upstream.length);
    if (status < 200 || status > 299) {
      return new TranslatedResponse(status, error(status, completion), Optional.empty());
    }
    ObjectNode message = completion == null ? null : message(completion);
    if (message == null) {
      return new TranslatedResponse(
          502,
          ErrorShapes.anthropic(
              "api_error",
              "The OpenAI-shaped backend answered with a body that is not a chat"
                  + " completion of one choice."),
          Optional.empty());
    }
    TokenUsage usage = usage(completion.path("usage"));
    return new TranslatedResponse(status, Json.bytes(message), Optional.of(usage));
  }

  @Override
  public StreamTranslator stream() {
    return new OpenAiChatStreamToAnthropic(options.upstreamModel());
  }

  /** OpenAI's error as Anthropic's: the status decides the type, as Anthropic's SDKs read it. */
  static byte[] error(int status, ObjectNode body) {
    JsonNode error = body == null ? null : body.get("error");
    String message = null;
    if (error != null && error.isObject()) {
      message = error.path("message").asText(null);
    } else if (error != null && error.isTextual()) {
      message = error.asText();
    }
    if (message == null || message.isBlank()) {
      message = "The model provider answered HTTP " + status + " without an error message.";
    }
    return ErrorShapes.anthropic(ErrorShapes.anthropicType(status), message);
  }

  /** OpenAI's usage as token counts: {@code prompt_tokens} includes the cached part. */
  static TokenUsage usage(JsonNode usage) {
    long prompt = count(usage.path("prompt_tokens"));
    long cached =
        Math.min(prompt, count(usage.path("prompt_tokens_details").path("cached_tokens")));
    return new TokenUsage(prompt - cached, count(usage.path("completion_tokens")), cached, 0);
  }

  private static long count(JsonNode value) {
    return value.canConvertToLong() ? Math.max(0, value.asLong()) : 0;
  }

  /** OpenAI's finish reason as Anthropic's stop reason. */
  static String stopReason(String finishReason) {
    return switch (finishReason == null ? "" : finishReason) {
      case "length" -> "max_tokens";
      case "tool_calls", "function_call" -> "tool_use";
      case "content_filter" -> "refusal";
      default -> "end_turn";
    };
  }

  /** Anthropic's usage object (also the shape of a stream's {@code message_delta} usage). */
  static ObjectNode anthropicUsage(TokenUsage usage) {
    ObjectNode node = Json.object();
    node.put("input_tokens", usage.inputTokens());
    node.put("cache_creation_input_tokens", usage.cacheCreationInputTokens());
    node.put("cache_read_input_tokens", usage.cacheReadInputTokens());
    node.put("output_tokens", usage.outputTokens());
    return node;
  }

  private ObjectNode message(ObjectNode completion) {
    JsonNode choices = completion.path("choices");
    if (!choices.isArray() || choices.size() != 1) {
      return null;
    }
    JsonNode choice = choices.get(0);
    JsonNode reply = choice.path("message");
    ObjectNode out = Json.object();
    out.put("id", completion.path("id").asText(""));
    out.put("type", "message");
    out.put("role", "assistant");
    out.put("model", completion.path("model").asText(options.upstreamModel()));
    ArrayNode content = out.putArray("content");
    String text = reply.path("content").asText("");
    String refusal = reply.path("refusal").asText("");
    if (!text.isEmpty()) {
      content.addObject().put("type", "text").put("text", text);
    }
    if (!refusal.isEmpty()) {
      content.addObject().put("type", "text").put("text", refusal);
    }
    for (JsonNode call : reply.path("tool_calls")) {
      ObjectNode block = content.addObject().put("type", "tool_use");
      block.put("id", call.path("id").asText());
      block.put("name", call.path("function").path("name").asText());
      JsonNode input = arguments(call.path("function").path("arguments").asText(""));
      if (input == null) {
        return null;
      }
      block.set("input", input);
    }
    String finish = choice.path("finish_reason").asText(null);
    out.put("stop_reason", refusal.isEmpty() ? stopReason(finish) : "refusal");
    out.putNull("stop_sequence");
    out.set("usage", anthropicUsage(usage(completion.path("usage"))));
    return out;
  }

  private static JsonNode arguments(String arguments) {
    if (arguments.isBlank()) {
      return Json.object();
    }
    try {
      JsonNode input = Json.LENIENT.readTree(arguments);
      return input.isObject() ? input : null;
    } catch (IOException e) {
      return null;
    }
  }
}
