package dev.tollgate.processor;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.async.ByteArrayFeeder;
import com.knuddels.jtokkit.api.Encoding;
import dev.tollgate.translate.SseParser;
import java.io.IOException;
import java.util.Set;

/**
 * Reads usage, the response model and generated text from a response body as it streams past:
 * either server-sent events (OpenAI chunks, Anthropic {@code message_start}/{@code
 * message_delta}/{@code content_block_delta}, Responses API events) through {@link SseParser}, or
 * one JSON document through Jackson's non-blocking parser. Neither holds the body: only the current
 * event or token, and generated text not yet tokenized.
 *
 * <p>Malformed input never throws: reading stops (JSON) or the event is skipped (SSE), and what was
 * read so far stands. Not thread-safe: one instance per response.
 */
final class ResponseUsage implements SseParser.Listener {
  /** Keys whose string values are generated text, in deltas and in complete responses. */
  private static final Set<String> TEXT_KEYS =
      Set.of(
          "content",
          "text",
          "reasoning_content",
          "reasoning",
          "refusal",
          "arguments",
          "partial_json",
          "thinking",
          "delta");

  /** Top-level keys of a complete JSON response under which generated text lives. */
  private static final Set<String> OUTPUT_ROOTS = Set.of("choices", "content", "output");

  /** Generated text is tokenized in batches of this many characters, not per delta. */
  private static final int PENDING_CHARS = 32 * 1024;

  private final ReportedUsage reported = new ReportedUsage();
  private final TokenEstimator estimator;
  private final Encoding encoding;
  private final StringBuilder pending = new StringBuilder();
  private long countedOutput;
  private boolean sawOutput;
  private boolean sawError;
  private String responseModel;

  // JSON state.
  private JsonParser json;
  private ByteArrayFeeder feeder;
  private boolean jsonBroken;
  private final String[] keys = new String[Json.MAX_DEPTH + 2];
  private int depth;

  ResponseUsage(TokenEstimator estimator, Encoding encoding) {
    this.estimator = estimator;
    this.encoding = encoding;
  }

  /** The usage the provider reported. */
  ReportedUsage reported() {
    return reported;
  }

  /** Output tokens counted from the generated text seen, for responses without usage. */
  long countedOutput() {
    flush();
    return countedOutput;
  }

  /** Whether any generated text has been seen (the first token, for time to first token). */
  boolean sawOutput() {
    return sawOutput;
  }

  /** Whether the stream carried an error event. */
  boolean sawError() {
    return sawError;
  }

  /** The model the provider says answered, or null. */
  String responseModel() {
    return responseModel;
  }

  // ------------------------------------------------------------------------------ SSE

  @Override
  public void onEvent(String type, byte[] data, int length) {
    if (length == 6 && data[0] == '[' && data[1] == 'D' && data[5] == ']') {
      return;
    }
    if ("error".equals(type)) {
      sawError = true;
    }
    try (JsonParser p = Json.LENIENT.createParser(data, 0, length)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return;
      }
      readEvent(p);
    } catch (IOException | RuntimeException e) {
      // A malformed event carries nothing usable; the stream itself passes on unchanged.
    }
  }

  private void readEvent(JsonParser p) throws IOException {
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken value = p.nextToken();
      switch (name) {
        case "model" -> model(p, value);
        case "usage" -> usage(p, value);
        case "message", "response" -> {
          if (value == JsonToken.START_OBJECT) {
            readEnvelope(p);
          } else {
            p.skipChildren();
          }
        }
        case "choices", "delta" -> text(p, value, name);
        case "type" -> {
          if (value == JsonToken.VALUE_STRING && p.getText().equals("error")) {
            sawError = true;
          }
        }
        case "error" -> {
          sawError = sawError || value != JsonToken.VALUE_NULL;
          p.skipChildren();
        }
        default -> p.skipChildren();
      }
    }
  }

  /** Anthropic's {@code message} and the Responses API's {@code response}: model and usage. */
  private void readEnvelope(JsonParser p) throws IOException {
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken value = p.nextToken();
      switch (name) {
        case "model" -> model(p, value);
        case "usage" -> usage(p, value);
        default -> p.skipChildren();
      }
    }
  }

  private void model(JsonParser p, JsonToken value) throws IOException {
    if (value == JsonToken.VALUE_STRING && p.getTextLength() <= 256) {
      responseModel = p.getText();
    } else {
      p.skipChildren();
    }
  }

  private void usage(JsonParser p, JsonToken value) throws IOException {
    if (value == JsonToken.START_OBJECT) {
      reported.read(p);
    } else {
      p.skipChildren();
    }
  }

  /** Collects generated text below a value: strings under the text keys, at any depth. */
  private void text(JsonParser p, JsonToken value, String key) throws IOException {
    switch (value) {
      case START_OBJECT -> {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          text(p, p.nextToken(), name);
        }
      }
      case START_ARRAY -> {
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
          text(p, t, key);
        }
      }
      case VALUE_STRING -> {
        if (TEXT_KEYS.contains(key)) {
          output(p.getText());
        }
      }
      default -> {}
    }
  }

  // ------------------------------------------------------------------------------ JSON

  /** Feeds the next bytes of a JSON response; {@code bytes} must not be changed afterwards. */
  void feedJson(byte[] bytes, boolean last) {
    if (jsonBroken) {
      return;
    }
    try {
      if (json == null) {
        json = Json.LENIENT.createNonBlockingByteArrayParser();
        feeder = (ByteArrayFeeder) json.getNonBlockingInputFeeder();
      }
      if (bytes.length > 0) {
        feeder.feedInput(bytes, 0, bytes.length);
      }
      if (last) {
        feeder.endOfInput();
      }
      JsonToken t;
      while ((t = json.nextToken()) != null && t != JsonToken.NOT_AVAILABLE) {
        jsonToken(t);
      }
      if (last) {
        json.close();
      }
    } catch (IOException | RuntimeException e) {
      // Truncated or malformed JSON: keep what was read; the estimate covers the rest.
      jsonBroken = true;
    }
  }

  private void jsonToken(JsonToken t) throws IOException {
    switch (t) {
      case START_OBJECT, START_ARRAY -> {
        // An array keeps the key that led to it, so values inside it are read under that key.
        String leading = keys[depth];
        depth++;
        keys[depth] = t == JsonToken.START_ARRAY ? leading : null;
      }
      case END_OBJECT, END_ARRAY -> depth--;
      case FIELD_NAME -> keys[depth] = json.currentName();
      case VALUE_STRING -> {
        String key = keys[depth];
        if (depth == 1 && "model".equals(key)) {
          if (json.getTextLength() <= 256) {
            responseModel = json.getText();
          }
        } else if (depth >= 2 && OUTPUT_ROOTS.contains(keys[1]) && TEXT_KEYS.contains(key)) {
          output(json.getText());
        }
      }
      case VALUE_NUMBER_INT -> {
        if (depth >= 2 && "usage".equals(keys[1])) {
          reported.accept(keys[depth], ReportedUsage.number(json, t, -1));
        }
      }
      default -> {}
    }
  }

  // ------------------------------------------------------------------------------ counting

  private void output(String text) {
    if (text.isEmpty()) {
      return;
    }
    sawOutput = true;
    pending.append(text);
    if (pending.length() >= PENDING_CHARS) {
      flush();
    }
  }

  private void flush() {
    if (pending.length() > 0) {
      countedOutput += estimator.count(encoding, pending);
      pending.setLength(0);
    }
  }
}
