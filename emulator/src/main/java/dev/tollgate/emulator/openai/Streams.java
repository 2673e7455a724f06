package dev.tollgate.emulator.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.emulator.PythonJson;
import dev.tollgate.emulator.Reply;
import java.io.IOException;
import java.util.Optional;

/** OpenAI's server-sent events: {@code data:} lines, named events, the end marker. */
final class Streams {
  private static final String PAD =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

  private Streams() {}

  /** Refuses {@code stream_options} on a request that does not stream, as OpenAI does. */
  static Optional<OpenAiError> checkOptions(ObjectNode body) {
    if (body.has("stream_options")
        && !body.get("stream_options").isNull()
        && !body.path("stream").asBoolean(false)) {
      return Optional.of(OpenAiError.streamOptionsWithoutStream());
    }
    return Optional.empty();
  }

  /** Writes {@code data: <compact json>} and a blank line. */
  static void data(Reply reply, JsonNode data) throws IOException {
    reply.write("data: " + PythonJson.compact(data) + "\n\n");
  }

  /** Writes a named event, as the Responses API streams: {@code event:} then {@code data:}. */
  static void event(Reply reply, String type, JsonNode data) throws IOException {
    reply.write("event: " + type + "\ndata: " + PythonJson.compact(data) + "\n\n");
  }

  /** Writes the end marker of Chat and Completions streams. */
  static void done(Reply reply) throws IOException {
    reply.write("data: [DONE]\n\n");
  }

  /**
   * The {@code obfuscation} padding OpenAI adds to stream events so that their sizes do not give
   * the content away: random on OpenAI, here a deterministic string whose length evens out the
   * content's.
   */
  static String obfuscation(String content) {
    int length = 16 - content.length() % 16;
    StringBuilder pad = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      pad.append(PAD.charAt((content.length() * 7 + i * 13) % PAD.length()));
    }
    return pad.toString();
  }
}
