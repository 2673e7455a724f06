package dev.tollgate.translate;

import static dev.tollgate.translate.OpenAiChatToAnthropic.refuse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/** OpenAI chat message content as Anthropic content blocks. */
final class AnthropicContent {
  private static final String DATA_URL_PREFIX = "data:";
  private static final String BASE64_MARK = ";base64,";

  private AnthropicContent() {}

  /** Adds a system or developer message's text to the system blocks. */
  static void systemBlocks(JsonNode content, String at, ArrayNode system)
      throws UntranslatableRequest {
    if (content != null && content.isTextual()) {
      system.addObject().put("type", "text").put("text", content.asText());
      return;
    }
    if (content == null || !content.isArray()) {
      throw refuse(at, "system content must be a string or an array of text parts");
    }
    for (int i = 0; i < content.size(); i++) {
      system.add(textPart(content.get(i), at + "[" + i + "]"));
    }
  }

  /** A user message's content: text and image parts. */
  static ArrayNode userBlocks(JsonNode content, String at) throws UntranslatableRequest {
    ArrayNode blocks = Json.NODES.arrayNode();
    if (content != null && content.isTextual()) {
      blocks.addObject().put("type", "text").put("text", content.asText());
      return blocks;
    }
    if (content == null || !content.isArray()) {
      throw refuse(at, "user content must be a string or an array of content parts");
    }
    for (int i = 0; i < content.size(); i++) {
      JsonNode part = content.get(i);
      String partAt = at + "[" + i + "]";
      String type = part.path("type").asText("");
      switch (type) {
        case "text" -> blocks.add(textPart(part, partAt));
        case "image_url" -> blocks.add(image(part, partAt));
        default ->
            throw refuse(
                partAt + ".type", "content parts of type `" + type + "` cannot be translated");
      }
    }
    return blocks;
  }

  /** An assistant message: its text, then its tool calls as {@code tool_use} blocks. */
  static ArrayNode assistantBlocks(JsonNode message, String at) throws UntranslatableRequest {
    JsonNode refusal = message.get("refusal");
    if (refusal != null && !refusal.isNull()) {
      throw refuse(at + ".refusal", "Anthropic has no assistant refusal to replay");
    }
    ArrayNode blocks = Json.NODES.arrayNode();
    JsonNode content = message.get("content");
    if (content != null && content.isTextual()) {
      if (!content.asText().isEmpty()) {
        blocks.addObject().put("type", "text").put("text", content.asText());
      }
    } else if (content != null && content.isArray()) {
      for (int i = 0; i < content.size(); i++) {
        blocks.add(textPart(content.get(i), at + ".content[" + i + "]"));
      }
    } else if (content != null && !content.isNull()) {
      throw refuse(at + ".content", "assistant content must be a string or an array of parts");
    }
    JsonNode calls = message.get("tool_calls");
    if (calls != null && !calls.isNull()) {
      if (!calls.isArray()) {
        throw refuse(at + ".tool_calls", "`tool_calls` must be an array");
      }
      for (int i = 0; i < calls.size(); i++) {
        blocks.add(toolUse(calls.get(i), at + ".tool_calls[" + i + "]"));
      }
    }
    if (blocks.isEmpty()) {
      throw refuse(at + ".content", "an assistant message needs content or tool calls");
    }
    return blocks;
  }

  /** A tool message as a {@code tool_result} block of a user turn. */
  static ArrayNode toolResult(JsonNode message, String at) throws UntranslatableRequest {
    JsonNode id = message.get("tool_call_id");
    if (id == null || !id.isTextual() || id.asText().isEmpty()) {
      throw refuse(at + ".tool_call_id", "a tool message needs its `tool_call_id`");
    }
    ObjectNode result = Json.object().put("type", "tool_result").put("tool_use_id", id.asText());
    JsonNode content = message.get("content");
    if (content != null && content.isTextual()) {
      result.put("content", content.asText());
    } else if (content != null && content.isArray()) {
      ArrayNode parts = result.putArray("content");
      for (int i = 0; i < content.size(); i++) {
        parts.add(textPart(content.get(i), at + ".content[" + i + "]"));
      }
    } else {
      throw refuse(at + ".content", "tool content must be a string or an array of text parts");
    }
    ArrayNode blocks = Json.NODES.arrayNode();
    blocks.add(result);
    return blocks;
  }

  private static ObjectNode toolUse(JsonNode call, String at) throws UntranslatableRequest {
    if (!"function".equals(call.path("type").asText())) {
      throw refuse(at + ".type", "only tool calls of type `function` can be translated");
    }
    String id = call.path("id").asText("");
    String name = call.path("function").path("name").asText("");
    if (id.isEmpty() || name.isEmpty()) {
      throw refuse(at, "a tool call needs its `id` and `function.name`");
    }
    JsonNode arguments = call.path("function").path("arguments");
    JsonNode input;
    try {
      input =
          arguments.isTextual() && !arguments.asText().isBlank()
              ? Json.STRICT.readTree(arguments.asText())
              : Json.object();
    } catch (IOException e) {
      throw refuse(at + ".function.arguments", "the arguments are not valid JSON");
    }
    if (!input.isObject()) {
      throw refuse(at + ".function.arguments", "Anthropic tool input must be a JSON object");
    }
    ObjectNode block = Json.object().put("type", "tool_use").put("id", id).put("name", name);
    block.set("input", input);
    return block;
  }

  private static ObjectNode textPart(JsonNode part, String at) throws UntranslatableRequest {
    if (!"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) {
      throw refuse(at, "only text parts can be translated here");
    }
    return Json.object().put("type", "text").put("text", part.get("text").asText());
  }

  private static ObjectNode image(JsonNode part, String at) throws UntranslatableRequest {
    JsonNode imageUrl = part.path("image_url");
    String url = imageUrl.isTextual() ? imageUrl.asText() : imageUrl.path("url").asText("");
    String detail = imageUrl.path("detail").asText("auto");
    if (!"auto".equals(detail)) {
      throw refuse(
          at + ".image_url.detail", "Anthropic has no image `detail`; only `auto` is translated");
    }
    ObjectNode block = Json.object().put("type", "image");
    ObjectNode source = block.putObject("source");
    if (url.startsWith(DATA_URL_PREFIX)) {
      int mark = url.indexOf(BASE64_MARK);
      if (mark < 0) {
        throw refuse(at + ".image_url.url", "a data URL image must be base64-encoded");
      }
      String mediaType = url.substring(DATA_URL_PREFIX.length(), mark);
      if (!supportedImageType(mediaType)) {
        throw refuse(
            at + ".image_url.url",
            "Anthropic accepts images as image/jpeg, image/png, image/gif or image/webp, not "
                + mediaType);
      }
      source.put("type", "base64").put("media_type", mediaType);
      source.put("data", url.substring(mark + BASE64_MARK.length()));
    } else if (url.startsWith("https://") || url.startsWith("http://")) {
      source.put("type", "url").put("url", url);
    } else {
      throw refuse(at + ".image_url.url", "an image must be a data URL or an http(s) URL");
    }
    return block;
  }

  private static boolean supportedImageType(String mediaType) {
    return switch (mediaType) {
      case "image/jpeg", "image/png", "image/gif", "image/webp" -> true;
      default -> false;
    };
  }
}
