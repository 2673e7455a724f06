package dev.tollgate.translate;

import static dev.tollgate.translate.AnthropicToOpenAiChat.refuse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Anthropic turns and content blocks as OpenAI chat messages. */
final class OpenAiMessages {
  private OpenAiMessages() {}

  static void append(JsonNode messages, ArrayNode out) throws UntranslatableRequest {
    if (messages == null || !messages.isArray() || messages.isEmpty()) {
      throw refuse("messages", "`messages` must be a non-empty array");
    }
    for (int i = 0; i < messages.size(); i++) {
      JsonNode message = messages.get(i);
      String at = "messages[" + i + "]";
      String role = message.path("role").asText("");
      JsonNode content = message.get("content");
      switch (role) {
        case "user" -> user(content, at, out);
        case "assistant" -> assistant(content, at, out);
        case "system" -> system(content, at, out);
        default -> throw refuse(at + ".role", "role `" + role + "` is not an Anthropic role");
      }
    }
    if ("assistant".equals(messages.get(messages.size() - 1).path("role").asText())) {
      throw refuse(
          "messages",
          "the last message is the assistant's, which Anthropic continues (prefill); an OpenAI"
              + " model would answer it with a new message instead");
    }
  }

  /**
   * A system turn within the conversation (Claude Code sends its environment so): OpenAI reads
   * system messages at any place, in order, so it stays one, its text blocks as text parts.
   */
  private static void system(JsonNode content, String at, ArrayNode out)
      throws UntranslatableRequest {
    if (content != null && content.isTextual()) {
      out.addObject().put("role", "system").put("content", content.asText());
      return;
    }
    blocksRequired(content, at);
    ArrayNode parts = out.addObject().put("role", "system").putArray("content");
    for (int j = 0; j < content.size(); j++) {
      JsonNode block = content.get(j);
      String blockAt = at + ".content[" + j + "]";
      if (!"text".equals(block.path("type").asText())) {
        throw refuse(blockAt + ".type", "only text blocks can be a system turn");
      }
      parts.addObject().put("type", "text").put("text", text(block, blockAt));
    }
  }

  /** Tool results become {@code tool} messages; the rest one user message after them. */
  private static void user(JsonNode content, String at, ArrayNode out)
      throws UntranslatableRequest {
    if (content != null && content.isTextual()) {
      out.addObject().put("role", "user").put("content", content.asText());
      return;
    }
    blocksRequired(content, at);
    ArrayNode parts = Json.NODES.arrayNode();
    for (int j = 0; j < content.size(); j++) {
      JsonNode block = content.get(j);
      String blockAt = at + ".content[" + j + "]";
      String type = block.path("type").asText("");
      switch (type) {
        case "tool_result" -> {
          if (!parts.isEmpty()) {
            throw refuse(blockAt, "tool results must come before other content of the turn");
          }
          out.add(toolMessage(block, blockAt));
        }
        case "text" -> parts.addObject().put("type", "text").put("text", text(block, blockAt));
        case "image" -> parts.add(image(block, blockAt));
        default ->
            throw refuse(blockAt + ".type", "`" + type + "` blocks cannot be translated here");
      }
    }
    if (!parts.isEmpty()) {
      out.addObject().put("role", "user").set("content", parts);
    }
  }

  private static void assistant(JsonNode content, String at, ArrayNode out)
      throws UntranslatableRequest {
    ObjectNode message = Json.object().put("role", "assistant");
    if (content != null && content.isTextual()) {
      message.put("content", content.asText());
      out.add(message);
      return;
    }
    blocksRequired(content, at);
    StringBuilder text = new StringBuilder();
    ArrayNode calls = Json.NODES.arrayNode();
    for (int j = 0; j < content.size(); j++) {
      JsonNode block = content.get(j);
      String blockAt = at + ".content[" + j + "]";
      String type = block.path("type").asText("");
      switch (type) {
        case "text" -> {
          if (!calls.isEmpty()) {
            throw refuse(blockAt, "text after a tool call cannot keep its place in OpenAI's form");
          }
          text.append(text(block, blockAt));
        }
        case "tool_use" -> {
          if (!block.path("input").isObject()) {
            throw refuse(blockAt + ".input", "tool input must be a JSON object");
          }
          calls.add(toolCall(block));
        }
        case "thinking", "redacted_thinking" -> {
          // An earlier turn's reasoning: Anthropic leaves it out of the model's context too.
        }
        default ->
            throw refuse(blockAt + ".type", "`" + type + "` blocks cannot be translated here");
      }
    }
    if (text.length() > 0) {
      message.put("content", text.toString());
    } else {
      message.putNull("content");
    }
    if (!calls.isEmpty()) {
      message.set("tool_calls", calls);
    }
    out.add(message);
  }

  /** A {@code tool_use} block as an OpenAI tool call ({@code input} as {@code arguments} text). */
  static ObjectNode toolCall(JsonNode toolUse) {
    ObjectNode call = Json.object();
    call.put("id", toolUse.path("id").asText());
    call.put("type", "function");
    ObjectNode function = call.putObject("function");
    function.put("name", toolUse.path("name").asText());
    function.put("arguments", Json.text(toolUse.path("input")));
    return call;
  }

  private static ObjectNode toolMessage(JsonNode block, String at) throws UntranslatableRequest {
    if (block.path("is_error").asBoolean(false)) {
      throw refuse(at + ".is_error", "OpenAI tool messages cannot say that the tool failed");
    }
    ObjectNode message =
        Json.object().put("role", "tool").put("tool_call_id", block.path("tool_use_id").asText());
    JsonNode content = block.get("content");
    if (content == null || content.isNull() || (content.isArray() && content.isEmpty())) {
      message.put("content", "");
    } else if (content.isTextual()) {
      message.put("content", content.asText());
    } else if (content.isArray()) {
      ArrayNode parts = message.putArray("content");
      for (int k = 0; k < content.size(); k++) {
        JsonNode part = content.get(k);
        String partAt = at + ".content[" + k + "]";
        if (!"text".equals(part.path("type").asText())) {
          throw refuse(partAt + ".type", "OpenAI tool messages carry text only");
        }
        parts.addObject().put("type", "text").put("text", text(part, partAt));
      }
    } else {
      throw refuse(at + ".content", "tool result content must be a string or text blocks");
    }
    return message;
  }

  private static ObjectNode image(JsonNode block, String at) throws UntranslatableRequest {
    JsonNode source = block.path("source");
    String url =
        switch (source.path("type").asText("")) {
          case "base64" ->
              "data:"
                  + source.path("media_type").asText()
                  + ";base64,"
                  + source.path("data").asText();
          case "url" -> source.path("url").asText();
          default -> throw refuse(at + ".source.type", "only base64 and url images translate");
        };
    ObjectNode part = Json.object().put("type", "image_url");
    part.putObject("image_url").put("url", url);
    return part;
  }

  private static String text(JsonNode block, String at) throws UntranslatableRequest {
    JsonNode text = block.get("text");
    if (text == null || !text.isTextual()) {
      throw refuse(at + ".text", "a text block needs its `text`");
    }
    return text.asText();
  }

  private static void blocksRequired(JsonNode content, String at) throws UntranslatableRequest {
    if (content == null || !content.isArray()) {
      throw refuse(at + ".content", "content must be a string or an array of blocks");
    }
  }
}
