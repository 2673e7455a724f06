package dev.tollgate.emulator.anthropic;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What the emulator reads of a request: its input tokens (words of the system prompt, the messages'
 * text, tool results and tool definitions), whether the last user turn answers a tool call, and the
 * prefix a {@code cache_control} on a system block marks for the prompt cache.
 *
 * @param inputTokens the words of the prompt
 * @param answersTool whether the last message is a user turn holding a {@code tool_result}
 * @param cachePrefix the tools and system prompt as JSON when a system block has {@code
 *     cache_control}, else null
 * @param cachePrefixTokens the words of that prefix
 */
record Prompt(int inputTokens, boolean answersTool, String cachePrefix, int cachePrefixTokens) {
  static Prompt of(JsonNode request) {
    int prefixWords = words(request.path("system")) + words(request.path("tools"));
    int words = prefixWords;
    boolean cacheable = false;
    for (JsonNode block : request.path("system")) {
      cacheable |= block.has("cache_control");
    }
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
    String prefix =
        cacheable ? request.path("tools").toString() + request.path("system").toString() : null;
    return new Prompt(Math.max(1, words), answersTool, prefix, cacheable ? prefixWords : 0);
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
        if (!field.getKey().equals("data")
            && !field.getKey().equals("type")
            && !field.getKey().equals("cache_control")) {
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
