package dev.tollgate.emulator.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.emulator.DemoControls;
import dev.tollgate.emulator.DemoText;
import dev.tollgate.emulator.PythonJson;
import dev.tollgate.emulator.Reply;
import java.io.IOException;

/**
 * One accepted call to an endpoint: the parsed body, the model to report, the demo's knobs, and
 * where the answer goes.
 *
 * @param body the request body
 * @param model the model name written into the answer
 * @param controls the demo's knobs
 * @param reply where the answer goes
 * @param azure whether Azure OpenAI answers (its extra content-filter fields, no obfuscation)
 * @param created the {@code created} timestamp, epoch seconds
 * @param serial a number unique to this call, for ids
 */
record Call(
    ObjectNode body,
    String model,
    DemoControls controls,
    Reply reply,
    boolean azure,
    long created,
    long serial) {

  /** Returns how many words to answer: the knob's, else the default sentence's. */
  int words() {
    return controls.words() > 0 ? controls.words() : DemoText.defaultWords();
  }

  /** Returns the output tokens: the words, capped by the first output limit the body sets. */
  int outputTokens(String... limitFields) {
    return capped(words(), limitFields);
  }

  /** Returns {@code wanted} output tokens, capped by the first output limit the body sets. */
  int capped(int wanted, String... limitFields) {
    for (String field : limitFields) {
      JsonNode limit = body.get(field);
      if (limit != null && limit.canConvertToInt()) {
        return Math.max(1, Math.min(wanted, limit.asInt()));
      }
    }
    return wanted;
  }

  /** Returns the input tokens to report as cached: the knob's, at most all of them. */
  int cachedTokens(int inputTokens) {
    return Math.min(controls.cachedTokens(), inputTokens);
  }

  /** Returns an id of this call with the provider's prefix, e.g. {@code chatcmpl-}. */
  String id(String prefix) {
    return prefix + "tollgateemu" + String.format("%018d", serial);
  }

  /** Sends a JSON body indented as OpenAI's endpoints indent it. */
  void sendJson(ObjectNode answer) throws IOException {
    reply.send(200, "application/json", PythonJson.indented(answer, 2));
  }

  /** Returns the input tokens of a text or of an array of OpenAI content parts. */
  static int contentTokens(JsonNode content) {
    if (content == null || content.isNull()) {
      return 0;
    }
    if (content.isTextual()) {
      return DemoText.tokens(content.asText());
    }
    int tokens = 0;
    for (JsonNode part : content) {
      JsonNode text = part.get("text");
      tokens += text != null && text.isTextual() ? DemoText.tokens(text.asText()) : 85;
    }
    return tokens;
  }
}
