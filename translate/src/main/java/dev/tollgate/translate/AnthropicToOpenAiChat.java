package dev.tollgate.translate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Set;

/**
 * An Anthropic Messages request body as an OpenAI Chat Completions request body: {@code system}
 * becomes a leading system message, {@code tool_use} blocks assistant {@code tool_calls}, {@code
 * tool_result} blocks {@code tool} messages, images {@code image_url} parts. {@code cache_control}
 * marks are dropped (OpenAI caches prompt prefixes by itself; the answer does not change), as are
 * earlier turns' thinking blocks (Anthropic itself leaves them out of the context); reasoning
 * controls as {@link OpenAiReasoning} says. Everything else OpenAI cannot express with the same
 * meaning is refused, naming the field.
 */
final class AnthropicToOpenAiChat {
  private static final Set<String> KNOWN =
      Set.of(
          "model",
          "max_tokens",
          "messages",
          "system",
          "stop_sequences",
          "temperature",
          "top_p",
          "stream",
          "tools",
          "tool_choice",
          "metadata",
          "thinking",
          "output_config",
          "context_management",
          "service_tier");

  /** OpenAI reads at most this many stop sequences. */
  private static final int MAX_STOP_SEQUENCES = 4;

  private AnthropicToOpenAiChat() {}

  static Translation translate(byte[] body, RequestOptions options) throws UntranslatableRequest {
    ObjectNode request = RequestChecks.object(body, AnthropicToOpenAiChat::refuse);
    RequestChecks.onlyKnown(
        request, KNOWN, "OpenAI's Chat Completions API", AnthropicToOpenAiChat::refuse);
    JsonNode tier = request.get("service_tier");
    if (tier != null && !"auto".equals(tier.asText())) {
      throw refuse("service_tier", "only `auto` can be translated");
    }
    ObjectNode out = Json.object();
    out.put("model", options.upstreamModel());
    ArrayNode messages = out.putArray("messages");
    system(request.get("system"), messages);
    OpenAiMessages.append(request.get("messages"), messages);
    JsonNode maxTokens = request.get("max_tokens");
    if (maxTokens != null && !(maxTokens.isIntegralNumber() && maxTokens.asLong() >= 1)) {
      throw refuse("max_tokens", "`max_tokens` must be a positive integer");
    }
    // OpenAI's reasoning models refuse max_tokens, whatever the rule's other servers read.
    out.put(
        OpenAiReasoning.reasoningModel(options.upstreamModel())
            ? RequestOptions.MAX_COMPLETION_TOKENS
            : options.openAiCapField(),
        maxTokens == null ? options.maxTokens() : maxTokens.asLong());
    OpenAiReasoning.translate(request, out, options.upstreamModel());
    RequestChecks.number(request, "temperature", 1, out, AnthropicToOpenAiChat::refuse);
    RequestChecks.number(request, "top_p", 1, out, AnthropicToOpenAiChat::refuse);
    stop(request.get("stop_sequences"), out);
    boolean streaming = request.path("stream").asBoolean(false);
    if (streaming) {
      out.put("stream", true);
      out.putObject("stream_options").put("include_usage", true);
    }
    OpenAiTools.translate(request, out);
    JsonNode userId = request.path("metadata").get("user_id");
    if (userId != null && userId.isTextual()) {
      out.put("user", userId.asText());
    }
    for (Iterator<String> names = request.path("metadata").fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!"user_id".equals(name)) {
        throw refuse("metadata." + name, "only `metadata.user_id` can be translated");
      }
    }
    return new OpenAiBackedMessages(Json.bytes(out), streaming, options);
  }

  private static void system(JsonNode system, ArrayNode messages) throws UntranslatableRequest {
    if (system == null || system.isNull()) {
      return;
    }
    ObjectNode message = messages.addObject().put("role", "system");
    if (system.isTextual()) {
      message.put("content", system.asText());
      return;
    }
    if (!system.isArray()) {
      throw refuse("system", "`system` must be a string or an array of text blocks");
    }
    ArrayNode parts = message.putArray("content");
    for (int i = 0; i < system.size(); i++) {
      JsonNode block = system.get(i);
      if (!"text".equals(block.path("type").asText())) {
        throw refuse("system[" + i + "].type", "only text blocks can be a system prompt");
      }
      parts.addObject().put("type", "text").put("text", block.path("text").asText());
    }
  }

  private static void stop(JsonNode stop, ObjectNode out) throws UntranslatableRequest {
    if (stop == null || stop.isNull()) {
      return;
    }
    if (!stop.isArray()) {
      throw refuse("stop_sequences", "`stop_sequences` must be an array of strings");
    }
    if (stop.size() > MAX_STOP_SEQUENCES) {
      throw refuse(
          "stop_sequences", "OpenAI reads at most " + MAX_STOP_SEQUENCES + " stop sequences");
    }
    if (!stop.isEmpty()) {
      out.set("stop", stop);
    }
  }

  /** A refusal in Anthropic's error shape, naming the field. */
  static UntranslatableRequest refuse(String field, String reason) {
    String message =
        (field == null ? "" : "`" + field + "`: ")
            + reason
            + " (Tollgate translates this request for an OpenAI-shaped model and does not send it"
            + " changed).";
    return new UntranslatableRequest(
        field, message, ErrorShapes.anthropic("invalid_request_error", message));
  }
}
