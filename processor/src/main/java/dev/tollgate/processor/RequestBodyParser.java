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
    private final String code;
    private final String param;

    InvalidBodyException(String message, String param) {
      this(message, "invalid_request_body", param);
    }

    InvalidBodyException(String message, String code, String param) {
      super(message);
      this.code = code;
      this.param = param;
    }

    String code() {
      return code;
    }

    String param() {
      return param;
    }
  }

  /** Most completions one request may ask for ({@code n}, {@code best_of}), as OpenAI allows. */
  static final int MAX_CHOICES = 128;

  private static final String DUPLICATE = "Duplicate field '";

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
          "signature",
          // Responses API items: call ids, statuses, opaque reasoning, image and file links.
          "call_id",
          "status",
          "encrypted_content",
          "image_url",
          "file_url");

  private static final Set<String> IMAGE_TYPES = Set.of("image", "image_url", "input_image");

  private final int exactChars;
  private final BodyRules rules;
  private byte[] body;
  private int length;
  private final StringBuilder text = new StringBuilder();
  private long textChars;
  private int messages;
  private int names;
  private int images;
  private long tokenIds;

  RequestBodyParser(int exactChars) {
    this(exactChars, BodyRules.DEFAULT);
  }

  /** A parser that applies the rules of one client API (see {@link BodyRules#forPath}). */
  RequestBodyParser(int exactChars, BodyRules rules) {
    this.exactChars = exactChars;
    this.rules = rules;
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
          "We could not parse the JSON body of your request: " + truncate(detail, 300),
          duplicated(detail));
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
    List<RequestBody.Cap> caps = new ArrayList<>(1);
    int choices = 1;
    boolean sawStreamOptions = false;
    List<BodyEdits.Edit> usageEdits = new ArrayList<>(1);
    boolean anyField = false;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      anyField = true;
      String name = p.currentName();
      JsonToken value = p.nextToken();
      int start = offset(p);
      rules.checkField(p, name, value);
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
        case "max_tokens", "max_completion_tokens", "max_output_tokens" ->
            caps.add(cap(p, name, value, start));
        case "n", "best_of" -> choices = Math.max(choices, choices(p, name, value));
        case "stream_options" -> {
          sawStreamOptions = true;
          if (rules.asksStreamUsage()) {
            streamOptions(p, value, start, usageEdits);
          } else {
            p.skipChildren();
          }
        }
        case "messages" -> messages(p, value);
        case "input" -> {
          if (rules.inputIsItems()) {
            messages(p, value);
          } else {
            collect(p, value, name, false);
          }
        }
        case "system", "prompt", "instructions" -> collect(p, value, name, false);
        case "tools", "functions" -> collect(p, value, name, true);
        default -> p.skipChildren();
      }
    }
    if (p.nextToken() != null) {
      throw new InvalidBodyException("The request body must be exactly one JSON object.", null);
    }
    if (!sawStreamOptions && anyField && rules.asksStreamUsage()) {
      usageEdits.add(
          BodyEdits.Edit.of(
              rootStart + 1, rootStart + 1, "\"stream_options\":{\"include_usage\":true},"));
    }
    agree(caps);
    return new RequestBody(
        rootStart,
        model,
        modelStart,
        modelEnd,
        stream,
        List.copyOf(caps),
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

  /**
   * An output-cap field: a whole number of at least 0 (a huge one saturates), or null. Anything
   * else is refused, because lax providers read {@code "30000"} or {@code 1e5} as a number that the
   * reservation would not have counted.
   */
  private static RequestBody.Cap cap(JsonParser p, String name, JsonToken value, int start)
      throws IOException, InvalidBodyException {
    if (value == JsonToken.VALUE_NULL) {
      return new RequestBody.Cap(name, -1, start, start + 4);
    }
    long v = integer(p, name, value);
    if (v < 0) {
      throw new InvalidBodyException(
          "Invalid '" + name + "': the number of tokens cannot be negative.",
          "invalid_value",
          name);
    }
    return new RequestBody.Cap(name, v, start, start + p.getTextLength());
  }

  /** {@code n} or {@code best_of}: a whole number between 1 and {@link #MAX_CHOICES}, or null. */
  private static int choices(JsonParser p, String name, JsonToken value)
      throws IOException, InvalidBodyException {
    if (value == JsonToken.VALUE_NULL) {
      return 1;
    }
    long v = integer(p, name, value);
    if (v < 1 || v > MAX_CHOICES) {
      throw new InvalidBodyException(
          "Invalid '" + name + "': it must be between 1 and " + MAX_CHOICES + ".",
          "invalid_value",
          name);
    }
    return (int) v;
  }

  /** A JSON integer token's value, saturated to the range of a long; anything else is refused. */
  private static long integer(JsonParser p, String name, JsonToken value)
      throws IOException, InvalidBodyException {
    if (value != JsonToken.VALUE_NUMBER_INT) {
      throw new InvalidBodyException(
          "Invalid type for '" + name + "': expected an integer, but got " + kind(value) + ".",
          "invalid_type",
          name);
    }
    if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
      return p.getBigIntegerValue().signum() > 0 ? Long.MAX_VALUE : Long.MIN_VALUE;
    }
    return p.getLongValue();
  }

  private static String kind(JsonToken value) {
    return switch (value) {
      case VALUE_STRING -> "a string";
      case VALUE_NUMBER_FLOAT -> "a decimal number";
      case VALUE_TRUE, VALUE_FALSE -> "a boolean";
      case START_OBJECT -> "an object";
      case START_ARRAY -> "an array";
      default -> "another type";
    };
  }

  /**
   * Refuses output caps that disagree: providers read different ones ({@code max_tokens} by vLLM
   * and Ollama, {@code max_completion_tokens} by OpenAI), so the one reserved must be the one
   * obeyed. Equal values, and nulls beside a value, are accepted.
   */
  private static void agree(List<RequestBody.Cap> caps) throws InvalidBodyException {
    RequestBody.Cap first = null;
    for (RequestBody.Cap cap : caps) {
      if (cap.value() < 0) {
        continue;
      }
      if (first == null) {
        first = cap;
      } else if (cap.value() != first.value()) {
        throw new InvalidBodyException(
            "'"
                + first.field()
                + "' and '"
                + cap.field()
                + "' disagree ("
                + first.value()
                + " and "
                + cap.value()
                + "); send only one output limit.",
            "invalid_value",
            cap.field());
      }
    }
  }

  /** The key a duplicate-key error names, so that the answer's {@code param} names it too. */
  private static String duplicated(String detail) {
    if (detail == null || !detail.startsWith(DUPLICATE)) {
      return null;
    }
    int end = detail.indexOf('\'', DUPLICATE.length());
    return end < 0 ? null : truncate(detail.substring(DUPLICATE.length(), end), 64);
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
