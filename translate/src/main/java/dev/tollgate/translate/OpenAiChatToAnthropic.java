package dev.tollgate.translate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * An OpenAI Chat Completions request body as an Anthropic Messages request body. Leading {@code
 * system}/{@code developer} messages become {@code system}; {@code tool} messages become {@code
 * tool_result} blocks of a user turn; assistant {@code tool_calls} become {@code tool_use} blocks;
 * image parts become {@code image} blocks (base64 data URLs or http(s) URLs). Everything Anthropic
 * cannot express with the same meaning is refused, naming the field; see the module README for the
 * table.
 */
final class OpenAiChatToAnthropic {
  /** Fields read here; any other top-level field is refused rather than dropped. */
  private static final Set<String> KNOWN =
      Set.of(
          "model",
          "messages",
          "max_tokens",
          "max_completion_tokens",
          "temperature",
          "top_p",
          "stop",
          "stream",
          "stream_options",
          "tools",
          "tool_choice",
          "parallel_tool_calls",
          "user",
          "n",
          "presence_penalty",
          "frequency_penalty",
          "logprobs",
          "response_format",
          "service_tier",
          "modalities");

  private OpenAiChatToAnthropic() {}

  static Translation translate(byte[] body, RequestOptions options) throws UntranslatableRequest {
    ObjectNode request = parse(body);
    for (Iterator<String> names = request.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!KNOWN.contains(name)) {
        throw refuse(name, "Anthropic's Messages API has no equivalent of `" + name + "`");
      }
    }
    refuseUnlessDefault(request);
    ObjectNode out = Json.object();
    out.put("model", options.upstreamModel());
    out.put("max_tokens", maxTokens(request, options));
    ArrayNode system = Json.NODES.arrayNode();
    ArrayNode messages = messages(request, system);
    if (!system.isEmpty()) {
      out.set("system", system);
    }
    out.set("messages", messages);
    stopSequences(request, out);
    number(request, "temperature", 0, 1, out);
    number(request, "top_p", 0, 1, out);
    boolean streaming = bool(request, "stream");
    boolean includeUsage = false;
    if (streaming) {
      out.put("stream", true);
      JsonNode streamOptions = request.path("stream_options");
      includeUsage = streamOptions.path("include_usage").asBoolean(false);
    } else if (request.hasNonNull("stream_options")) {
      throw refuse("stream_options", "`stream_options` is only allowed with `stream: true`");
    }
    AnthropicTools.translate(request, out);
    JsonNode user = request.get("user");
    if (user != null && !user.isNull()) {
      if (!user.isTextual()) {
        throw refuse("user", "`user` must be a string");
      }
      out.putObject("metadata").put("user_id", user.asText());
    }
    return new AnthropicBackedChat(Json.bytes(out), streaming, includeUsage, options);
  }

  private static ObjectNode parse(byte[] body) throws UntranslatableRequest {
    try {
      JsonNode node = Json.STRICT.readTree(body);
      if (node instanceof ObjectNode object) {
        return object;
      }
    } catch (IOException | RuntimeException e) {
      String reason =
          String.valueOf(e.getMessage()).startsWith("Duplicate field")
              ? "the request body repeats a field; the gateway and the backend could read"
                  + " different values"
              : "the request body is not valid JSON";
      throw refuse(null, reason);
    }
    throw refuse(null, "the request body must be a JSON object");
  }

  /** Fields that are fine at their default and have no Anthropic meaning otherwise. */
  private static void refuseUnlessDefault(ObjectNode request) throws UntranslatableRequest {
    JsonNode n = request.get("n");
    if (n != null && !n.isNull() && !(n.canConvertToInt() && n.asInt() == 1)) {
      throw refuse("n", "Anthropic returns one choice per request; only `n: 1` can be translated");
    }
    for (String penalty : new String[] {"presence_penalty", "frequency_penalty"}) {
      JsonNode value = request.get(penalty);
      if (value != null && !value.isNull() && !(value.isNumber() && value.asDouble() == 0)) {
        throw refuse(penalty, "Anthropic has no `" + penalty + "`; only 0 can be translated");
      }
    }
    if (bool(request, "logprobs")) {
      throw refuse("logprobs", "Anthropic does not return log probabilities");
    }
    JsonNode format = request.get("response_format");
    if (format != null && !format.isNull() && !"text".equals(format.path("type").asText())) {
      throw refuse(
          "response_format",
          "Anthropic has no `response_format` (JSON mode or schema); only `{\"type\":\"text\"}`"
              + " can be translated");
    }
    JsonNode tier = request.get("service_tier");
    if (tier != null
        && !tier.isNull()
        && !"auto".equals(tier.asText())
        && !"default".equals(tier.asText())) {
      throw refuse("service_tier", "only `auto` or `default` can be translated for Anthropic");
    }
    JsonNode modalities = request.get("modalities");
    if (modalities != null && !modalities.isNull()) {
      if (!modalities.isArray()
          || modalities.size() != 1
          || !"text".equals(modalities.get(0).asText())) {
        throw refuse("modalities", "Anthropic answers in text only; only `[\"text\"]`");
      }
    }
  }

  private static long maxTokens(ObjectNode request, RequestOptions options)
      throws UntranslatableRequest {
    JsonNode completion = request.get("max_completion_tokens");
    JsonNode legacy = request.get("max_tokens");
    Long cap = positive(completion, "max_completion_tokens");
    Long legacyCap = positive(legacy, "max_tokens");
    if (cap != null && legacyCap != null && !cap.equals(legacyCap)) {
      throw refuse("max_tokens", "`max_tokens` and `max_completion_tokens` differ; send one");
    }
    Long chosen = cap != null ? cap : legacyCap;
    return chosen != null ? chosen : options.maxTokens();
  }

  private static Long positive(JsonNode value, String field) throws UntranslatableRequest {
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.canConvertToLong() || !value.isIntegralNumber() || value.asLong() < 1) {
      throw refuse(field, "`" + field + "` must be a positive integer");
    }
    return value.asLong();
  }

  private static ArrayNode messages(ObjectNode request, ArrayNode system)
      throws UntranslatableRequest {
    JsonNode messages = request.get("messages");
    if (messages == null || !messages.isArray() || messages.isEmpty()) {
      throw refuse("messages", "`messages` must be a non-empty array");
    }
    ArrayNode out = Json.NODES.arrayNode();
    boolean conversationStarted = false;
    for (int i = 0; i < messages.size(); i++) {
      String at = "messages[" + i + "]";
      JsonNode message = messages.get(i);
      if (!message.isObject()) {
        throw refuse(at, "each message must be an object");
      }
      String role = message.path("role").asText("");
      for (Iterator<Map.Entry<String, JsonNode>> it = message.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        String name = field.getKey();
        if (name.equals("name") && !field.getValue().isNull()) {
          throw refuse(at + ".name", "Anthropic messages carry no participant `name`");
        }
        if (!Set.of("role", "content", "name", "tool_calls", "tool_call_id", "refusal")
            .contains(name)) {
          throw refuse(at + "." + name, "Anthropic messages have no `" + name + "`");
        }
      }
      switch (role) {
        case "system", "developer" -> {
          if (conversationStarted) {
            throw refuse(
                at + ".role",
                "a `"
                    + role
                    + "` message after the conversation started has no place in Anthropic's"
                    + " request, whose system prompt comes before all messages");
          }
          AnthropicContent.systemBlocks(message.get("content"), at + ".content", system);
        }
        case "user" -> {
          conversationStarted = true;
          ArrayNode blocks = AnthropicContent.userBlocks(message.get("content"), at + ".content");
          append(out, "user", blocks);
        }
        case "assistant" -> {
          conversationStarted = true;
          append(out, "assistant", AnthropicContent.assistantBlocks(message, at));
        }
        case "tool" -> {
          conversationStarted = true;
          append(out, "user", AnthropicContent.toolResult(message, at));
        }
        default -> throw refuse(at + ".role", "role `" + role + "` cannot be translated");
      }
    }
    if (out.isEmpty()) {
      throw refuse("messages", "Anthropic needs at least one user or assistant message");
    }
    if ("assistant".equals(out.get(out.size() - 1).path("role").asText())) {
      throw refuse(
          "messages",
          "the last message is the assistant's; Anthropic would continue it (prefill) instead of"
              + " answering it");
    }
    return out;
  }

  /** Consecutive turns of one role are one Anthropic turn (as Anthropic itself combines them). */
  private static void append(ArrayNode messages, String role, ArrayNode blocks) {
    if (!messages.isEmpty()) {
      ObjectNode last = (ObjectNode) messages.get(messages.size() - 1);
      if (role.equals(last.path("role").asText())) {
        ((ArrayNode) last.get("content")).addAll(blocks);
        return;
      }
    }
    ObjectNode message = messages.addObject().put("role", role);
    message.set("content", blocks);
  }

  private static void stopSequences(ObjectNode request, ObjectNode out)
      throws UntranslatableRequest {
    JsonNode stop = request.get("stop");
    if (stop == null || stop.isNull()) {
      return;
    }
    ArrayNode sequences = Json.NODES.arrayNode();
    if (stop.isTextual()) {
      sequences.add(stop.asText());
    } else if (stop.isArray()) {
      for (JsonNode s : stop) {
        if (!s.isTextual()) {
          throw refuse("stop", "`stop` must be a string or an array of strings");
        }
        sequences.add(s.asText());
      }
    } else {
      throw refuse("stop", "`stop` must be a string or an array of strings");
    }
    if (!sequences.isEmpty()) {
      out.set("stop_sequences", sequences);
    }
  }

  private static void number(
      ObjectNode request, String field, double min, double max, ObjectNode out)
      throws UntranslatableRequest {
    JsonNode value = request.get(field);
    if (value == null || value.isNull()) {
      return;
    }
    if (!value.isNumber()) {
      throw refuse(field, "`" + field + "` must be a number");
    }
    double d = value.asDouble();
    if (d < min || d > max) {
      throw refuse(
          field, "Anthropic accepts `" + field + "` from " + min + " to " + max + ", not " + d);
    }
    out.set(field, value);
  }

  private static boolean bool(ObjectNode request, String field) {
    return request.path(field).asBoolean(false);
  }

  /** A refusal in OpenAI's error shape, {@code param} naming the field. */
  static UntranslatableRequest refuse(String field, String reason) {
    String message =
        (field == null ? "" : "`" + field + "`: ")
            + reason
            + " (Tollgate translates this request for an Anthropic model and does not send it"
            + " changed).";
    return new UntranslatableRequest(
        field,
        message,
        ErrorShapes.openAi(message, "invalid_request_error", field, "untranslatable_request"));
  }
}
