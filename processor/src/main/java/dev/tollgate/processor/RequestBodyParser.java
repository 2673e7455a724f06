package dev.tollgate.processor;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads the few fields the processor needs from a request body with Jackson's streaming parser: no
 * tree is built, large values the estimate does not need (images, audio, file data) are skipped
 * without being decoded, and the prompt text is kept only up to the tokenizer's exact limit.
 *
 * <p>Not thread-safe: one instance per request.
 */
final class RequestBodyParser {
  /** An input the processor refuses with 400. */
  static final class InvalidBodyException extends Exception {
    private static final long serialVersionUID = 1L;
    private final String param;

    InvalidBodyException(String message, String param) {
      super(message);
      this.param = param;
    }

    String param() {
      return param;
    }
  }

  private static final int MAX_CHOICES = 128;

  /** Values that carry no prompt text: skipped undecoded (base64 images and audio, ids). */
  private static final Set<String> SKIPPED =
      Set.of(
          "role",
          "type",
          "url",
          "data",
          "detail",
          "id",
          "tool_call_id",
          "cache_control",
          "file_id",
          "file_data",
          "format",
          "media_type",
          "signature");

  private static final Set<String> IMAGE_TYPES = Set.of("image", "image_url", "input_image");

  private final int exactChars;
  private byte[] body;
  private int length;
  private final StringBuilder text = new StringBuilder();
  private long textChars;
  private int messages;
  private int names;
  private int images;
  private long tokenIds;

  RequestBodyParser(int exactChars) {
    this.exactChars = exactChars;
  }

  /**
   * Parses a body.
   *
   * @throws InvalidBodyException when the body is not one JSON object, repeats a key, nests too
   *     deeply, or names the model with something other than a string
   */
  RequestBody parse(byte[] body, int length) throws InvalidBodyException {
    this.body = body;
    this.length = length;
    try (JsonParser p = Json.STRICT.createParser(body, 0, length)) {
      return parse(p);
    } catch (InvalidBodyException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      String detail =
          e instanceof com.fasterxml.jackson.core.JsonProcessingException j
              ? j.getOriginalMessage()
              : e.getClass().getSimpleName();
      throw new InvalidBodyException(
          "We could not parse the JSON body of your request: " + truncate(detail, 300), null);
    }
  }

  private RequestBody parse(JsonParser p) throws IOException, InvalidBodyException {
    if (p.nextToken() != JsonToken.START_OBJECT) {
      throw new InvalidBodyException("The request body must be a JSON object.", null);
    }
    int rootStart = offset(p);
    String model = null;
    int modelStart = -1;
    int modelEnd = -1;
    boolean stream = false;
    long maxTokens = -1;
    long maxCompletionTokens = -1;
    int choices = 1;
    boolean sawStreamOptions = false;
    List<BodyEdits.Edit> usageEdits = new ArrayList<>(1);
    boolean anyField = false;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      anyField = true;
      String name = p.currentName();
      JsonToken value = p.nextToken();
      int start = offset(p);
      switch (name) {
        case "model" -> {
          if (value != JsonToken.VALUE_STRING) {
            throw new InvalidBodyException("The model parameter must be a string.", "model");
          }
          model = p.getText();
          modelStart = start;
          modelEnd = stringEnd(start);
        }
        case "stream" -> {
          stream = value == JsonToken.VALUE_TRUE;
          p.skipChildren();
        }
        case "max_tokens", "max_output_tokens" -> maxTokens = count(p, value);
        case "max_completion_tokens" -> maxCompletionTokens = count(p, value);
        case "n" -> {
          long n = count(p, value);
          choices = n < 1 ? 1 : (int) Math.min(n, MAX_CHOICES);
        }
        case "stream_options" -> {
          sawStreamOptions = true;
          streamOptions(p, value, start, usageEdits);
        }
        case "messages" -> messages(p, value);
        case "system", "prompt", "input", "instructions" -> collect(p, value, name, false);
        case "tools", "functions" -> collect(p, value, name, true);
        default -> p.skipChildren();
      }
    }
    if (p.nextToken() != null) {
      throw new InvalidBodyException("The request body must be exactly one JSON object.", null);
    }
    if (!sawStreamOptions && anyField) {
      usageEdits.add(
          BodyEdits.Edit.of(
              rootStart + 1, rootStart + 1, "\"stream_options\":{\"include_usage\":true},"));
    }
    long maxOutput = maxCompletionTokens >= 0 ? maxCompletionTokens : maxTokens;
    return new RequestBody(
        model,
        modelStart,
        modelEnd,
        stream,
        maxOutput,
        choices,
        List.copyOf(usageEdits),
        text,
        textChars,
        messages,
        names,
        images,
        tokenIds);
  }

  /** Computes the edit that makes {@code stream_options.include_usage} true, if one is needed. */
  private void streamOptions(JsonParser p, JsonToken value, int start, List<BodyEdits.Edit> edits)
      throws IOException {
    if (value == JsonToken.VALUE_NULL) {
      edits.add(BodyEdits.Edit.of(start, start + 4, "{\"include_usage\":true}"));
      return;
    }
    if (value != JsonToken.START_OBJECT) {
      // A provider refuses a non-object stream_options; nothing to fix here.
      p.skipChildren();
      return;
    }
    boolean empty = true;
    boolean alreadyTrue = false;
    BodyEdits.Edit replace = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      empty = false;
      String name = p.currentName();
      JsonToken v = p.nextToken();
      if (name.equals("include_usage")) {
        if (v == JsonToken.VALUE_TRUE) {
          alreadyTrue = true;
        } else {
          int valueStart = offset(p);
          replace = BodyEdits.Edit.of(valueStart, valueEnd(p, v, valueStart), "true");
        }
      } else {
        p.skipChildren();
      }
    }
    if (replace != null) {
      edits.add(replace);
    } else if (!alreadyTrue) {
      edits.add(
          BodyEdits.Edit.of(
              start + 1, start + 1, empty ? "\"include_usage\":true" : "\"include_usage\":true,"));
    }
  }

  private void messages(JsonParser p, JsonToken value) throws IOException {
    if (value != JsonToken.START_ARRAY) {
      collect(p, value, "messages", false);
      return;
    }
    JsonToken t;
    while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
      if (t == JsonToken.START_OBJECT) {
        messages++;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          JsonToken v = p.nextToken();
          if (name.equals("name")) {
            names++;
          }
          field(p, name, v, false);
        }
      } else {
        collect(p, t, "messages", false);
      }
    }
  }

  /** Collects the prompt text of a value; {@code withNames} also counts object keys (schemas). */
  private void collect(JsonParser p, JsonToken token, String key, boolean withNames)
      throws IOException {
    switch (token) {
      case START_OBJECT -> {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          if (withNames) {
            append(name);
          }
          field(p, name, p.nextToken(), withNames);
        }
      }
      case START_ARRAY -> {
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
          collect(p, t, key, withNames);
        }
      }
      case VALUE_STRING -> appendValue(p);
      case VALUE_NUMBER_INT -> {
        if (key.equals("prompt") || key.equals("input")) {
          tokenIds++;
        }
      }
      default -> {}
    }
  }

  private void field(JsonParser p, String name, JsonToken value, boolean withNames)
      throws IOException {
    if (name.equals("type") && value == JsonToken.VALUE_STRING) {
      if (IMAGE_TYPES.contains(p.getText())) {
        images++;
      }
    } else if (SKIPPED.contains(name)) {
      p.skipChildren();
    } else {
      collect(p, value, name, withNames);
    }
  }

  private void appendValue(JsonParser p) throws IOException {
    if (text.length() >= exactChars) {
      // Past the exact limit only the length matters; no String is made.
      textChars += p.getTextLength() + 1;
      return;
    }
    append(p.getText());
  }

  private void append(String s) {
    textChars += s.length() + 1;
    if (text.length() < exactChars) {
      text.append(s, 0, Math.min(s.length(), exactChars - text.length())).append('\n');
    }
  }

  /** A non-negative token count, -1 when absent or not a number; huge numbers saturate. */
  private static long count(JsonParser p, JsonToken value) throws IOException {
    switch (value) {
      case VALUE_NUMBER_INT -> {
        if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
          return p.getBigIntegerValue().signum() > 0 ? Long.MAX_VALUE : -1;
        }
        long v = p.getLongValue();
        return v < 0 ? -1 : v;
      }
      case VALUE_NUMBER_FLOAT -> {
        double d = p.getDoubleValue();
        return Double.isFinite(d) && d >= 0 && d == Math.rint(d) ? (long) Math.min(d, 9e18) : -1;
      }
      default -> {
        p.skipChildren();
        return -1;
      }
    }
  }

  private static int offset(JsonParser p) {
    return (int) p.currentTokenLocation().getByteOffset();
  }

  /** The offset just past a scalar or container value that starts at {@code start}. */
  private int valueEnd(JsonParser p, JsonToken value, int start) throws IOException {
    return switch (value) {
      case START_OBJECT, START_ARRAY -> {
        p.skipChildren();
        yield offset(p) + 1;
      }
      case VALUE_STRING -> stringEnd(start);
      case VALUE_TRUE, VALUE_NULL -> start + 4;
      case VALUE_FALSE -> start + 5;
      default -> start + p.getTextLength();
    };
  }

  /** The offset just past a string literal the parser has validated. */
  private int stringEnd(int start) {
    int i = start + 1;
    while (i < length) {
      byte b = body[i];
      if (b == '\\') {
        i += 2;
      } else if (b == '"') {
        return i + 1;
      } else {
        i++;
      }
    }
    return length;
  }

  private static String truncate(String s, int max) {
    if (s == null) {
      return "invalid JSON";
    }
    return s.length() <= max ? s : s.substring(0, max) + "...";
  }
}
