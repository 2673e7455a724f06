package dev.tollgate.emulator.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.emulator.DemoText;
import java.io.IOException;
import java.util.Optional;

/**
 * {@code POST /v1/completions}, the legacy endpoint: a {@code text_completion} answer, or a stream
 * whose last text chunk carries the finish reason, then (with {@code include_usage}) a usage chunk
 * with empty {@code choices}, then {@code data: [DONE]}, as recorded.
 */
final class TextCompletions {
  private static final ObjectMapper JSON = new ObjectMapper();

  private TextCompletions() {}

  /** Returns the refusal of a body this endpoint does not accept, if any. */
  static Optional<OpenAiError> check(ObjectNode body) {
    if (!body.has("prompt")) {
      return Optional.of(OpenAiError.missingParameter("prompt"));
    }
    return Streams.checkOptions(body);
  }

  /** Answers an accepted call. */
  static void answer(Call call) throws IOException {
    int promptTokens = promptTokens(call.body().get("prompt"));
    int outputTokens = call.outputTokens("max_tokens");
    // The legacy endpoint's max_tokens defaults to 16.
    if (!call.body().has("max_tokens")) {
      outputTokens = Math.min(outputTokens, 16);
    }
    String finish = outputTokens < call.words() ? "length" : "stop";
    if (call.body().path("stream").asBoolean(false)) {
      stream(call, promptTokens, outputTokens, finish);
      return;
    }
    ObjectNode answer = head(call);
    ObjectNode choice = answer.putArray("choices").addObject();
    choice.put("text", DemoText.text(outputTokens)).put("index", 0).putNull("logprobs");
    choice.put("finish_reason", finish);
    usage(answer.putObject("usage"), promptTokens, outputTokens);
    call.sendJson(answer);
  }

  private static void stream(Call call, int promptTokens, int outputTokens, String finish)
      throws IOException {
    boolean includeUsage = call.body().path("stream_options").path("include_usage").asBoolean();
    call.reply().startStream("text/event-stream; charset=utf-8");
    for (int i = 0; i < outputTokens; i++) {
      ObjectNode chunk =
          JSON.createObjectNode()
              .put("id", call.id("cmpl-"))
              .put("object", "text_completion")
              .put("created", call.created());
      ObjectNode choice = chunk.putArray("choices").addObject();
      choice.put("text", DemoText.piece(i)).put("index", 0).putNull("logprobs");
      if (i + 1 == outputTokens) {
        choice.put("finish_reason", finish);
      } else {
        choice.putNull("finish_reason");
      }
      chunk.put("model", call.model());
      if (includeUsage) {
        chunk.putNull("usage");
      }
      Streams.data(call.reply(), chunk);
    }
    if (includeUsage) {
      ObjectNode chunk = head(call);
      usage(chunk.putObject("usage"), promptTokens, outputTokens);
      chunk.putArray("choices");
      Streams.data(call.reply(), chunk);
    }
    Streams.done(call.reply());
  }

  private static ObjectNode head(Call call) {
    return JSON.createObjectNode()
        .put("id", call.id("cmpl-"))
        .put("object", "text_completion")
        .put("created", call.created())
        .put("model", call.model());
  }

  private static void usage(ObjectNode usage, int prompt, int completion) {
    usage
        .put("prompt_tokens", prompt)
        .put("completion_tokens", completion)
        .put("total_tokens", prompt + completion);
  }

  private static int promptTokens(JsonNode prompt) {
    if (prompt.isArray()) {
      int tokens = 0;
      for (JsonNode item : prompt) {
        tokens += item.isArray() ? item.size() : DemoText.tokens(item.asText());
      }
      return Math.max(1, tokens);
    }
    return DemoText.tokens(prompt.asText());
  }
}
