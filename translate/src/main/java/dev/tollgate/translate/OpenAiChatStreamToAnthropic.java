package dev.tollgate.translate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Chat Completions {@code data:} chunks as Anthropic's named events. The first chunk gives {@code
 * message_start}; {@code content} deltas a text block, each tool call index a {@code tool_use}
 * block whose {@code arguments} come as {@code input_json_delta}s, each block closed by {@code
 * content_block_stop} when the next begins; {@code [DONE]} gives {@code message_delta} (stop reason
 * and the usage of the final usage chunk, which the translated request asks for) and {@code
 * message_stop}. An error chunk, an oversized event, a tool call resumed after a later one began,
 * or a stream ending before both {@code [DONE]} and a finish reason give an {@code error} event.
 */
final class OpenAiChatStreamToAnthropic implements StreamTranslator, SseParser.Listener {
  private static final byte[] DONE = "[DONE]".getBytes(StandardCharsets.US_ASCII);
  private static final String ENDED_EARLY = "The model's stream ended before it was complete.";

  private enum Block {
    NONE,
    TEXT,
    TOOL
  }

  private final String fallbackModel;
  private final SseParser parser = new SseParser(AnthropicStreamToChat.MAX_EVENT_BYTES, this);
  private final ByteArrayOutputStream out = new ByteArrayOutputStream(512);

  private boolean started;
  private Block block = Block.NONE;
  private int blocks;
  private int toolIndex = -1;
  private String finishReason;
  private boolean refused;
  private TokenUsage usage = TokenUsage.NONE;
  private boolean complete;
  private boolean failed;
  private boolean ending;

  OpenAiChatStreamToAnthropic(String fallbackModel) {
    this.fallbackModel = fallbackModel;
  }

  @Override
  public byte[] next(byte[] chunk, int offset, int length, boolean endOfStream) {
    out.reset();
    if (!complete && !failed) {
      parser.feed(chunk, offset, length);
      if (endOfStream) {
        ending = true;
        parser.finish();
      }
    }
    if (endOfStream && !complete && !failed) {
      if (finishReason != null) {
        finish();
      } else {
        fail("api_error", ENDED_EARLY);
      }
    }
    return out.toByteArray();
  }

  @Override
  public TokenUsage usage() {
    return usage;
  }

  @Override
  public boolean complete() {
    return complete;
  }

  @Override
  public void onEvent(String type, byte[] data, int length) {
    if (complete || failed) {
      return;
    }
    if (length == DONE.length && Arrays.equals(data, 0, length, DONE, 0, length)) {
      finish();
      return;
    }
    ObjectNode chunk = Json.readObject(data, 0, length);
    if (chunk == null) {
      fail("api_error", ending ? ENDED_EARLY : "The model's stream sent a chunk that is not JSON.");
      return;
    }
    JsonNode error = chunk.get("error");
    if (error != null && !error.isNull()) {
      fail(
          "rate_limit_exceeded".equals(error.path("code").asText())
                  || "rate_limit_exceeded".equals(error.path("type").asText())
              ? "rate_limit_error"
              : "api_error",
          error.path("message").asText("The model's stream reported an error."));
      return;
    }
    start(chunk);
    JsonNode reported = chunk.get("usage");
    if (reported != null && reported.isObject()) {
      usage = OpenAiBackedMessages.usage(reported);
    }
    for (JsonNode choice : chunk.path("choices")) {
      if (choice.path("index").asInt(0) != 0) {
        fail("api_error", "The model's stream sent more than one choice.");
        return;
      }
      delta(choice.path("delta"));
      if (failed) {
        return;
      }
      String reason = choice.path("finish_reason").asText(null);
      if (reason != null) {
        finishReason = reason;
        closeBlock();
      }
    }
  }

  @Override
  public void onOversizedEvent() {
    if (!complete && !failed) {
      fail("api_error", "The model's stream sent a chunk larger than Tollgate translates.");
    }
  }

  private void start(ObjectNode chunk) {
    if (started) {
      return;
    }
    started = true;
    ObjectNode event = Json.object().put("type", "message_start");
    ObjectNode message = event.putObject("message");
    message.put("id", chunk.path("id").asText(""));
    message.put("type", "message");
    message.put("role", "assistant");
    message.put("model", chunk.path("model").asText(fallbackModel));
    message.putArray("content");
    message.putNull("stop_reason");
    message.putNull("stop_sequence");
    message.putObject("usage").put("input_tokens", 0).put("output_tokens", 0);
    emit("message_start", event);
  }

  private void delta(JsonNode delta) {
    String text = delta.path("content").asText("");
    String refusal = delta.path("refusal").asText("");
    if (!refusal.isEmpty()) {
      refused = true;
      text = text + refusal;
    }
    if (!text.isEmpty()) {
      if (block != Block.TEXT) {
        closeBlock();
        ObjectNode start = blockStart();
        start.putObject("content_block").put("type", "text").put("text", "");
        emit("content_block_start", start);
        block = Block.TEXT;
      }
      ObjectNode event = blockEvent("content_block_delta");
      event.putObject("delta").put("type", "text_delta").put("text", text);
      emit("content_block_delta", event);
    }
    for (JsonNode call : delta.path("tool_calls")) {
      int index = call.path("index").asInt(0);
      if (block != Block.TOOL || index != toolIndex) {
        if (index <= toolIndex) {
          fail("api_error", "The model's stream resumed a tool call after a later one began.");
          return;
        }
        closeBlock();
        ObjectNode start = blockStart();
        ObjectNode content = start.putObject("content_block").put("type", "tool_use");
        content.put("id", call.path("id").asText(""));
        content.put("name", call.path("function").path("name").asText(""));
        content.putObject("input");
        emit("content_block_start", start);
        block = Block.TOOL;
        toolIndex = index;
      }
      String arguments = call.path("function").path("arguments").asText("");
      if (!arguments.isEmpty()) {
        ObjectNode event = blockEvent("content_block_delta");
        event.putObject("delta").put("type", "input_json_delta").put("partial_json", arguments);
        emit("content_block_delta", event);
      }
    }
  }

  private ObjectNode blockStart() {
    return Json.object().put("type", "content_block_start").put("index", blocks);
  }

  private ObjectNode blockEvent(String type) {
    return Json.object().put("type", type).put("index", blocks - 1);
  }

  private void closeBlock() {
    if (block == Block.NONE) {
      return;
    }
    emit("content_block_stop", blockEvent("content_block_stop"));
    block = Block.NONE;
  }

  private void emit(String name, ObjectNode event) {
    if ("content_block_start".equals(name)) {
      blocks++;
    }
    out.writeBytes(("event: " + name + "\ndata: ").getBytes(StandardCharsets.US_ASCII));
    out.writeBytes(Json.bytes(event));
    out.writeBytes("\n\n".getBytes(StandardCharsets.US_ASCII));
  }

  private void finish() {
    if (!started) {
      start(Json.object());
    }
    closeBlock();
    ObjectNode event = Json.object().put("type", "message_delta");
    ObjectNode delta = event.putObject("delta");
    delta.put("stop_reason", refused ? "refusal" : OpenAiBackedMessages.stopReason(finishReason));
    delta.putNull("stop_sequence");
    event.set("usage", OpenAiBackedMessages.anthropicUsage(usage));
    emit("message_delta", event);
    emit("message_stop", Json.object().put("type", "message_stop"));
    complete = true;
  }

  private void fail(String type, String message) {
    failed = true;
    ObjectNode event = Json.object().put("type", "error");
    event.putObject("error").put("type", type).put("message", message);
    emit("error", event);
  }
}
