package dev.tollgate.emulator.anthropic;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.emulator.Reply;
import java.io.IOException;

/**
 * A streamed answer in Anthropic's named server-sent events, in the order the API sends them:
 * {@code message_start} (with the input usage and {@code output_tokens} 1), {@code
 * content_block_start}, a {@code ping}, the {@code content_block_delta}s ({@code text_delta} a word
 * at a time, or one {@code input_json_delta} of a tool call's input), {@code content_block_stop},
 * {@code message_delta} (stop reason and the output total) and {@code message_stop}. Each event is
 * {@code event: NAME\ndata: JSON\n\n}, written and flushed on its own.
 */
final class MessageEvents {
  private MessageEvents() {}

  static void write(Answer reply, String model, Reply out) throws IOException {
    ObjectNode message = reply.start(model);
    message.putArray("content");
    message.putNull("stop_reason");
    message.putNull("stop_sequence");
    reply.usage(message.putObject("usage"), 1);
    ObjectNode start = object("message_start");
    start.set("message", message);
    event(out, "message_start", start);
    ObjectNode blockStart = object("content_block_start").put("index", 0);
    if (reply.text() != null) {
      blockStart.putObject("content_block").put("type", "text").put("text", "");
    } else {
      blockStart.set("content_block", reply.toolBlock().set("input", object(null)));
    }
    event(out, "content_block_start", blockStart);
    event(out, "ping", object("ping"));
    if (reply.text() != null) {
      String[] words = reply.text().split(" ");
      for (int i = 0; i < words.length; i++) {
        ObjectNode delta = object("content_block_delta").put("index", 0);
        delta
            .putObject("delta")
            .put("type", "text_delta")
            .put("text", i == 0 ? words[i] : " " + words[i]);
        event(out, "content_block_delta", delta);
      }
    } else {
      ObjectNode delta = object("content_block_delta").put("index", 0);
      delta
          .putObject("delta")
          .put("type", "input_json_delta")
          .put("partial_json", AnthropicEmulator.JSON.writeValueAsString(reply.toolInput()));
      event(out, "content_block_delta", delta);
    }
    event(out, "content_block_stop", object("content_block_stop").put("index", 0));
    ObjectNode end = object("message_delta");
    end.putObject("delta").put("stop_reason", reply.stopReason()).putNull("stop_sequence");
    end.putObject("usage").put("output_tokens", reply.outputTokens());
    event(out, "message_delta", end);
    event(out, "message_stop", object("message_stop"));
  }

  private static ObjectNode object(String type) {
    ObjectNode node = AnthropicEmulator.JSON.createObjectNode();
    return type == null ? node : node.put("type", type);
  }

  private static void event(Reply out, String name, ObjectNode data) throws IOException {
    out.write(
        "event: " + name + "\ndata: " + AnthropicEmulator.JSON.writeValueAsString(data) + "\n\n");
  }
}
