package dev.tollgate.emulator.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The emulator's answer to one message request: a {@code tool_use} of the first tool when the
 * request offers tools (and {@code tool_choice} is not {@code none}) and the last user turn is not
 * a tool result, else the demo sentence cut at {@code max_tokens} words.
 *
 * @param id the message id
 * @param text the text answered, or null for a tool call
 * @param toolId the tool call's id, or null
 * @param toolName the tool called, or null
 * @param toolInput the tool call's input, or null
 * @param stopReason {@code end_turn}, {@code max_tokens} or {@code tool_use}
 * @param inputTokens the prompt's tokens neither read from nor written to the cache
 * @param cacheRead the prompt's tokens read from the cache
 * @param cacheWrite the prompt's tokens written to the cache
 * @param outputTokens the tokens generated
 */
record Answer(
    String id,
    String text,
    String toolId,
    String toolName,
    ObjectNode toolInput,
    String stopReason,
    int inputTokens,
    int cacheRead,
    int cacheWrite,
    int outputTokens) {

  static final String SENTENCE =
      "Tollgate forwarded this request to the Anthropic emulator which answers every prompt with"
          + " the same calm sentence about budgets and tokens";

  /**
   * The answer to a request.
   *
   * @param cacheHit whether the request's cache prefix was cached by an earlier request
   */
  static Answer to(JsonNode request, Prompt prompt, String id, boolean cacheHit) {
    boolean caches = prompt.cachePrefix() != null;
    int cacheRead = caches && cacheHit ? prompt.cachePrefixTokens() : 0;
    int cacheWrite = caches && !cacheHit ? prompt.cachePrefixTokens() : 0;
    int input = Math.max(0, prompt.inputTokens() - cacheRead - cacheWrite);
    JsonNode tools = request.path("tools");
    String choice = request.path("tool_choice").path("type").asText("auto");
    if (tools.isArray() && !tools.isEmpty() && !choice.equals("none") && !prompt.answersTool()) {
      JsonNode tool = tools.get(0);
      if (choice.equals("tool")) {
        for (JsonNode t : tools) {
          if (t.path("name").asText().equals(request.path("tool_choice").path("name").asText())) {
            tool = t;
          }
        }
      }
      ObjectNode toolInput = AnthropicEmulator.JSON.createObjectNode();
      for (JsonNode required : tool.path("input_schema").path("required")) {
        toolInput.put(required.asText(), "demo");
      }
      return new Answer(
          id,
          null,
          "toolu_" + id.substring(4),
          tool.path("name").asText(),
          toolInput,
          "tool_use",
          input,
          cacheRead,
          cacheWrite,
          1 + toolInput.size());
    }
    String[] words = SENTENCE.split(" ");
    int max = (int) Math.min(words.length, request.path("max_tokens").asLong(words.length));
    String text = String.join(" ", java.util.Arrays.copyOf(words, Math.max(1, max)));
    return new Answer(
        id,
        text,
        null,
        null,
        null,
        max < words.length ? "max_tokens" : "end_turn",
        input,
        cacheRead,
        cacheWrite,
        Math.max(1, max));
  }

  /** The non-streamed answer, a {@code message} object. */
  ObjectNode message(String model) {
    ObjectNode m = start(model);
    if (text != null) {
      m.putArray("content").addObject().put("type", "text").put("text", text);
    } else {
      m.putArray("content").add(toolBlock().set("input", toolInput));
    }
    m.put("stop_reason", stopReason);
    m.putNull("stop_sequence");
    usage(m.putObject("usage"), outputTokens);
    return m;
  }

  /** The message as {@code message_start} carries it: no content, no stop reason yet. */
  ObjectNode start(String model) {
    ObjectNode m = AnthropicEmulator.JSON.createObjectNode();
    m.put("id", id).put("type", "message").put("role", "assistant").put("model", model);
    return m;
  }

  ObjectNode toolBlock() {
    ObjectNode block = AnthropicEmulator.JSON.createObjectNode();
    return block.put("type", "tool_use").put("id", toolId).put("name", toolName);
  }

  void usage(ObjectNode usage, int output) {
    usage
        .put("input_tokens", inputTokens)
        .put("cache_creation_input_tokens", cacheWrite)
        .put("cache_read_input_tokens", cacheRead)
        .put("output_tokens", output);
  }
}
