package dev.tollgate.emulator.anthropic;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What the emulator reads of a request: its input tokens (words of the system prompt, the messages'
 * text, tool results and tool definitions) and whether the last user turn answers a tool call.
 *
 * @param inputTokens the words of the prompt
 * @param answersTool whether the last message is a user turn holding a {@code tool_result}
 */
record Prompt(int inputTokens, boolean answersTool) {
  static Prompt of(JsonNode request) {
    int words = words(request.path("system")) + words(request.path("tools"));
    JsonNode messages = request.path("messages");
    boolean answersTool = false;
    for (JsonNode message : messages) {
      words += words(message.path("content"));
    }
    if (!messages.isEmpty()) {
      JsonNode last = messages.get(messages.size() - 1);
      if (last.path("role").asText().equals("user") && last.path("content").isArray()) {
        for (JsonNode block : last.path("content")) {
          answersTool |= block.path("type").asText().equals("tool_result");
        }
      }
    }
    return new Prompt(Math.max(1, words), answersTool);
  }

  /** Words in the strings of a value, skipping base64 image data. */
  private static int words(JsonNode node) {
    if (node.isTextual()) {
      String text = node.asText().trim();
      return text.isEmpty() ? 0 : text.split("\\s+").length;
    }
    int n = 0;
    if (node.isObject()) {
      var fields = node.fields();
      while (fields.hasNext()) {
        var field = fields.next();
        if (!field.getKey().equals("data") && !field.getKey().equals("type")) {
          n += words(field.getValue());
        }
      }
    } else if (node.isArray()) {
      for (JsonNode item : node) {
        n += words(item);
      }
    }
    return n;
  }
}
