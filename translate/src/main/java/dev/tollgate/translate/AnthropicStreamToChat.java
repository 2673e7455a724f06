package dev.tollgate.translate;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;

/**
 * Anthropic's named events ({@code message_start}, {@code content_block_*}, {@code message_delta},
 * {@code message_stop}, {@code ping}, {@code error}) as Chat Completions {@code data:} chunks. Text
 * deltas become {@code content} deltas and each {@code tool_use} block one {@code tool_calls} entry
 * (its {@code input_json_delta}s the {@code arguments}); thinking blocks and pings produce nothing.
 * {@code message_stop} gives the chunk with {@code finish_reason}, the usage chunk when the client
 * asked for {@code stream_options.include_usage}, and {@code data: [DONE]}. An {@code error} event,
 * an oversized event or a stream that ends before {@code message_stop} give an OpenAI error chunk
 * and no {@code [DONE]}, so the client sees the answer is incomplete.
 */
final class AnthropicStreamToChat implements StreamTranslator, SseParser.Listener {
  /** The largest event held; Anthropic's deltas are a few hundred bytes. */
  static final int MAX_EVENT_BYTES = 1 << 20;

  private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

  private static final String ENDED_EARLY = "The Anthropic stream ended before message_stop.";

  private final boolean includeUsage;
  private final Clock clock;
  private final SseParser parser = new SseParser(MAX_EVENT_BYTES, this);
  private final ByteArrayOutputStream out = new ByteArrayOutputStream(512);

  private String id = "";
  private String model = "";
  private long created;
  private boolean started;
  private boolean inToolBlock;
  private int toolCalls;
  private String stopReason;
  private long input;
  private long output;
  private long cacheRead;
  private long cacheCreation;
  private boolean complete;
  private boolean failed;
  private boolean ending;

  AnthropicStreamToChat(boolean includeUsage, Clock clock) {
    this.includeUsage = includeUsage;
    this.clock = clock;
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
      fail("server_error", ENDED_EARLY);
    }
    return out.toByteArray();
  }

  @Override
  public TokenUsage usage() {
    return new TokenUsage(input, output, cacheRead, cacheCreation);
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
    ObjectNode event = Json.readObject(data, 0, length);
    if (event == null) {
      // At the end, an unreadable last event is one cut off mid-way.
      fail(
          "server_error",
          ending ? ENDED_EARLY : "The Anthropic stream sent an event that is not JSON.");
      return;
    }
    String kind = event.path("type").asText(type == null ? "" : type);
    switch (kind) {
      case "message_start" -> start(event.path("message"));
      case "content_block_start" -> blockStart(event.path("content_block"));
      case "content_block_delta" -> blockDelta(event.path("delta"));
      case "content_block_stop" -> inToolBlock = false;
      case "message_delta" -> messageDelta(event);
      case "message_stop" -> stop();
      case "error" -> {
        JsonNode error = event.path("error");
        String errorType = error.path("type").asText(null);
        failed = true;
        out.writeBytes(DATA);
        out.writeBytes(
            ErrorShapes.openAi(
                error.path("message").asText("The Anthropic stream reported an error."),
                ErrorShapes.openAiTypeOfAnthropic(errorType, 500),
                null,
                errorType));
        out.writeBytes(END);
      }
      default -> {
        // ping, and event types added later: the protocol says to ignore what one does not know.
      }
    }
  }

  @Override
  public void onOversizedEvent() {
    if (!complete && !failed) {
      fail("server_error", "The Anthropic stream sent an event larger than Tollgate translates.");
    }
  }

  private void start(JsonNode message) {
    id = message.path("id").asText("");
    model = message.path("model").asText("");
    created = clock.instant().getEpochSecond();
    started = true;
    readUsage(message.path("usage"));
    chunk(
        g -> {
          g.writeStringField("role", "assistant");
          g.writeStringField("content", "");
          g.writeNullField("refusal");
        },
        null);
  }

  private void blockStart(JsonNode block) {
    String blockType = block.path("type").asText();
    inToolBlock = "tool_use".equals(blockType);
    if (inToolBlock) {
      int index = toolCalls++;
      String callId = block.path("id").asText("");
      String name = block.path("name").asText("");
      chunk(
          g -> {
            g.writeArrayFieldStart("tool_calls");
            g.writeStartObject();
            g.writeNumberField("index", index);
            g.writeStringField("id", callId);
            g.writeStringField("type", "function");
            g.writeObjectFieldStart("function");
            g.writeStringField("name", name);
            g.writeStringField("arguments", "");
            g.writeEndObject();
            g.writeEndObject();
            g.writeEndArray();
          },
          null);
    } else if ("text".equals(blockType) && !block.path("text").asText("").isEmpty()) {
      String text = block.path("text").asText();
      chunk(g -> g.writeStringField("content", text), null);
    }
  }

  private void blockDelta(JsonNode delta) {
    switch (delta.path("type").asText()) {
      case "text_delta" -> {
        String text = delta.path("text").asText("");
        chunk(g -> g.writeStringField("content", text), null);
      }
      case "input_json_delta" -> {
        if (!inToolBlock) {
          return;
        }
        int index = toolCalls - 1;
        String partial = delta.path("partial_json").asText("");
        if (partial.isEmpty()) {
          return;
        }
        chunk(
            g -> {
              g.writeArrayFieldStart("tool_calls");
              g.writeStartObject();
              g.writeNumberField("index", index);
              g.writeObjectFieldStart("function");
              g.writeStringField("arguments", partial);
              g.writeEndObject();
              g.writeEndObject();
              g.writeEndArray();
            },
            null);
      }
      default -> {
        // thinking_delta, signature_delta, citations_delta: not part of a chat completion.
      }
    }
  }

  private void messageDelta(JsonNode event) {
    String reason = event.path("delta").path("stop_reason").asText(null);
    if (reason != null) {
      stopReason = reason;
    }
    readUsage(event.path("usage"));
  }

  /** Usage counts are cumulative in Anthropic's stream; a later non-zero value replaces. */
  private void readUsage(JsonNode usage) {
    input = larger(input, usage, "input_tokens");
    output = larger(output, usage, "output_tokens");
    cacheRead = larger(cacheRead, usage, "cache_read_input_tokens");
    cacheCreation = larger(cacheCreation, usage, "cache_creation_input_tokens");
  }

  private static long larger(long current, JsonNode usage, String field) {
    JsonNode value = usage.path(field);
    return value.canConvertToLong() ? Math.max(current, value.asLong()) : current;
  }

  private void stop() {
    if (!started) {
      fail("server_error", "The Anthropic stream ended a message it never started.");
      return;
    }
    String finish = AnthropicBackedChat.finishReason(stopReason == null ? "end_turn" : stopReason);
    chunk(g -> {}, finish);
    if (includeUsage) {
      write(
          g -> {
            header(g);
            g.writeArrayFieldStart("choices");
            g.writeEndArray();
            g.writeFieldName("usage");
            Json.LENIENT.writeTree(g, AnthropicBackedChat.openAiUsage(usage()));
            g.writeEndObject();
          });
    }
    out.writeBytes(DONE);
    complete = true;
  }

  private void fail(String type, String message) {
    failed = true;
    out.writeBytes(DATA);
    out.writeBytes(ErrorShapes.openAi(message, type, null, null));
    out.writeBytes(END);
  }

  /** Writes the fields of a chunk's {@code delta}. */
  @FunctionalInterface
  private interface Delta {
    void write(JsonGenerator g) throws IOException;
  }

  private void chunk(Delta delta, String finishReason) {
    write(
        g -> {
          header(g);
          g.writeArrayFieldStart("choices");
          g.writeStartObject();
          g.writeNumberField("index", 0);
          g.writeObjectFieldStart("delta");
          delta.write(g);
          g.writeEndObject();
          g.writeNullField("logprobs");
          if (finishReason == null) {
            g.writeNullField("finish_reason");
          } else {
            g.writeStringField("finish_reason", finishReason);
          }
          g.writeEndObject();
          g.writeEndArray();
          if (includeUsage) {
            g.writeNullField("usage");
          }
          g.writeEndObject();
        });
  }

  private void header(JsonGenerator g) throws IOException {
    g.writeStartObject();
    g.writeStringField("id", id);
    g.writeStringField("object", "chat.completion.chunk");
    g.writeNumberField("created", created);
    g.writeStringField("model", model);
  }

  private void write(Delta body) {
    out.writeBytes(DATA);
    try (JsonGenerator g = Json.LENIENT.getFactory().createGenerator(out)) {
      body.write(g);
    } catch (IOException e) {
      throw new UncheckedIOException("writing to memory does not fail", e);
    }
    out.writeBytes(END);
  }
}
