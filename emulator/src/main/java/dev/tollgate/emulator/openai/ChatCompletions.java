package dev.tollgate.emulator.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.emulator.DemoText;
import java.io.IOException;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * {@code POST /v1/chat/completions}: the body's checks, the JSON answer, and the event stream
 * ({@code data:} chunks, a usage chunk with empty {@code choices} when {@code
 * stream_options.include_usage} is true, then {@code data: [DONE]}), field for field as the
 * recorded OpenAI answers. A request whose {@code tool_choice} makes the model call a tool gets a
 * tool call instead of text ({@link ToolCalls}).
 */
final class ChatCompletions {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ChatCompletions() {}

  /** Returns the refusal of a body this endpoint does not accept, if any. */
  static Optional<OpenAiError> check(ObjectNode body) {
    JsonNode messages = body.get("messages");
    if (messages == null) {
      return Optional.of(OpenAiError.missingParameter("messages"));
    }
    if (!messages.isArray()) {
      return Optional.of(OpenAiError.invalidType("messages", "an array", jsonType(messages)));
    }
    if (messages.isEmpty()) {
      return Optional.of(OpenAiError.emptyArray("messages"));
    }
    return Streams.checkOptions(body).or(() -> ToolCalls.check(body));
  }

  /** Answers an accepted call. */
  static void answer(Call call) throws IOException {
    int promptTokens = 0;
    for (JsonNode message : call.body().path("messages")) {
      promptTokens += 4 + Call.contentTokens(message.get("content"));
    }
    int cached = call.cachedTokens(promptTokens);
    Optional<ToolCalls.ToolCall> tool = ToolCalls.of(call);
    if (tool.isPresent()) {
      toolCall(call, tool.get(), promptTokens, cached);
      return;
    }
    int outputTokens = call.outputTokens("max_completion_tokens", "max_tokens");
    String finish = outputTokens < call.words() ? "length" : "stop";
    if (call.body().path("stream").asBoolean(false)) {
      stream(call, promptTokens, cached, outputTokens, finish);
      return;
    }
    String text = DemoText.text(outputTokens);
    sendAnswer(
        call, message -> message.put("content", text), finish, promptTokens, cached, outputTokens);
  }

  /**
   * Answers with one tool call: its arguments cost a quarter of their characters in output tokens;
   * an output cap below that cuts them, with finish reason {@code length}, as OpenAI's would.
   */
  private static void toolCall(Call call, ToolCalls.ToolCall tool, int promptTokens, int cached)
      throws IOException {
    int needed = DemoText.tokens(tool.arguments());
    int outputTokens = call.capped(needed, "max_completion_tokens", "max_tokens");
    String finish = outputTokens < needed ? "length" : "tool_calls";
    String arguments =
        outputTokens < needed
            ? tool.arguments().substring(0, Math.min(tool.arguments().length(), outputTokens * 4))
            : tool.arguments();
    ToolCalls.ToolCall made = new ToolCalls.ToolCall(tool.id(), tool.name(), arguments);
    if (call.body().path("stream").asBoolean(false)) {
      streamToolCall(call, made, promptTokens, cached, outputTokens, finish);
      return;
    }
    sendAnswer(
        call,
        message -> ToolCalls.write(message.putNull("content").putArray("tool_calls"), made),
        finish,
        promptTokens,
        cached,
        outputTokens);
  }

  /**
   * Sends a JSON chat completion with one choice whose message {@code content} (and {@code
   * tool_calls}) {@code fill} writes, between its {@code role} and its {@code refusal}.
   */
  private static void sendAnswer(
      Call call,
      Consumer<ObjectNode> fill,
      String finish,
      int promptTokens,
      int cached,
      int outputTokens)
      throws IOException {
    ObjectNode answer = head(call, "chat.completion");
    if (call.azure()) {
      promptFilterResults(answer);
    }
    ObjectNode choice = answer.putArray("choices").addObject();
    if (call.azure()) {
      choice.putObject("content_filter_results");
    }
    choice.put("index", 0);
    ObjectNode message = choice.putObject("message").put("role", "assistant");
    fill.accept(message);
    message.putNull("refusal").putArray("annotations");
    choice.putNull("logprobs").put("finish_reason", finish);
    usage(answer.putObject("usage"), promptTokens, cached, outputTokens);
    if (!call.azure()) {
      answer.put("service_tier", "default");
    }
    answer.putNull("system_fingerprint");
    call.sendJson(answer);
  }

  /**
   * Streams one tool call: a first chunk with the role, the call's id, type and name and empty
   * arguments, then the arguments in pieces (each delta {@code tool_calls[{index, function:
   * {arguments}}]}), then the finish chunk and the usage chunk as for text.
   */
  private static void streamToolCall(
      Call call,
      ToolCalls.ToolCall tool,
      int promptTokens,
      int cached,
      int outputTokens,
      String finish)
      throws IOException {
    boolean includeUsage = call.body().path("stream_options").path("include_usage").asBoolean();
    boolean obfuscate =
        !call.azure()
            && call.body().path("stream_options").path("include_obfuscation").asBoolean(true);
    startStream(call);
    ObjectNode first = chunkHead(call);
    ObjectNode firstChoice = first.putArray("choices").addObject().put("index", 0);
    ObjectNode delta = firstChoice.putObject("delta").put("role", "assistant").putNull("content");
    ObjectNode opening = delta.putArray("tool_calls").addObject().put("index", 0);
    opening.put("id", tool.id()).put("type", "function");
    opening.putObject("function").put("name", tool.name()).put("arguments", "");
    delta.putNull("refusal");
    firstChoice.putNull("finish_reason");
    finishChunk(first, includeUsage, obfuscate, tool.name());
    Streams.data(call.reply(), first);
    for (String piece : ToolCalls.argumentPieces(tool.arguments())) {
      ObjectNode chunk = chunkHead(call);
      ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
      ObjectNode arguments = choice.putObject("delta").putArray("tool_calls").addObject();
      arguments.put("index", 0).putObject("function").put("arguments", piece);
      choice.putNull("finish_reason");
      finishChunk(chunk, includeUsage, obfuscate, piece);
      Streams.data(call.reply(), chunk);
    }
    finish(call, includeUsage, obfuscate, promptTokens, cached, outputTokens, finish);
  }

  private static void stream(
      Call call, int promptTokens, int cached, int outputTokens, String finish) throws IOException {
    boolean includeUsage = call.body().path("stream_options").path("include_usage").asBoolean();
    boolean obfuscate =
        !call.azure()
            && call.body().path("stream_options").path("include_obfuscation").asBoolean(true);
    startStream(call);
    for (int i = 0; i <= outputTokens; i++) {
      ObjectNode chunk = chunkHead(call);
      ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
      ObjectNode delta = choice.putObject("delta");
      String content;
      if (i == 0) {
        content = "";
        delta.put("role", "assistant").put("content", "").putNull("refusal");
      } else {
        content = DemoText.piece(i - 1);
        delta.put("content", content);
      }
      choice.putNull("finish_reason");
      finishChunk(chunk, includeUsage, obfuscate, content);
      Streams.data(call.reply(), chunk);
    }
    finish(call, includeUsage, obfuscate, promptTokens, cached, outputTokens, finish);
  }

  /** Starts a chat stream; Azure's begins with its chunk of prompt filter results. */
  private static void startStream(Call call) throws IOException {
    call.reply().startStream("text/event-stream; charset=utf-8");
    if (call.azure()) {
      ObjectNode filters = JSON.createObjectNode();
      filters.putArray("choices");
      filters.put("created", 0).put("id", "").put("model", "").put("object", "");
      filters
          .putArray("prompt_filter_results")
          .addObject()
          .put("prompt_index", 0)
          .putObject("content_filter_results");
      Streams.data(call.reply(), filters);
    }
  }

  /** Ends a chat stream: the finish chunk, the usage chunk when asked for, {@code [DONE]}. */
  private static void finish(
      Call call,
      boolean includeUsage,
      boolean obfuscate,
      int promptTokens,
      int cached,
      int outputTokens,
      String finish)
      throws IOException {
    ObjectNode last = chunkHead(call);
    ObjectNode lastChoice = last.putArray("choices").addObject().put("index", 0);
    lastChoice.putObject("delta");
    lastChoice.put("finish_reason", finish);
    finishChunk(last, includeUsage, obfuscate, "");
    Streams.data(call.reply(), last);
    if (includeUsage) {
      ObjectNode usageChunk = chunkHead(call);
      usageChunk.putArray("choices");
      usage(usageChunk.putObject("usage"), promptTokens, cached, outputTokens);
      if (obfuscate) {
        usageChunk.put("obfuscation", Streams.obfuscation(""));
      }
      Streams.data(call.reply(), usageChunk);
    }
    Streams.done(call.reply());
  }

  private static ObjectNode head(Call call, String object) {
    return JSON.createObjectNode()
        .put("id", call.id("chatcmpl-"))
        .put("object", object)
        .put("created", call.created())
        .put("model", call.model());
  }

  private static ObjectNode chunkHead(Call call) {
    ObjectNode chunk = head(call, "chat.completion.chunk");
    if (!call.azure()) {
      chunk.put("service_tier", "default");
    }
    return chunk.putNull("system_fingerprint");
  }

  private static void finishChunk(
      ObjectNode chunk, boolean includeUsage, boolean obfuscate, String content) {
    if (includeUsage) {
      chunk.putNull("usage");
    }
    if (obfuscate) {
      chunk.put("obfuscation", Streams.obfuscation(content));
    }
  }

  private static void promptFilterResults(ObjectNode answer) {
    ArrayNode results = answer.putArray("prompt_filter_results");
    results.addObject().put("prompt_index", 0).putObject("content_filter_results");
  }

  /** Writes chat usage with its details objects, as OpenAI reports it. */
  static void usage(ObjectNode usage, int prompt, int cached, int completion) {
    usage
        .put("prompt_tokens", prompt)
        .put("completion_tokens", completion)
        .put("total_tokens", prompt + completion);
    usage.putObject("prompt_tokens_details").put("cached_tokens", cached).put("audio_tokens", 0);
    usage
        .putObject("completion_tokens_details")
        .put("reasoning_tokens", 0)
        .put("audio_tokens", 0)
        .put("accepted_prediction_tokens", 0)
        .put("rejected_prediction_tokens", 0);
  }

  /** Returns OpenAI's word for a JSON value's type in its type errors. */
  static String jsonType(JsonNode node) {
    if (node.isObject()) {
      return "an object";
    }
    if (node.isTextual()) {
      return "a string";
    }
    if (node.isNumber()) {
      return node.isIntegralNumber() ? "an integer" : "a decimal";
    }
    if (node.isBoolean()) {
      return "a boolean";
    }
    return node.isNull() ? "null" : "an array";
  }
}
