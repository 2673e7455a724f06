package dev.tollgate.processor;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * The byte span of a JSON object's top-level {@code model} string literal, quotes included, as the
 * header {@code x-tollgate-model-span} carries it ({@code <start>,<end>}, end exclusive) for the
 * upstream model filter. For bodies the gateway wrote itself (a translated request), whose span the
 * client body's parse no longer describes. Pure.
 */
final class ModelSpan {
  private static final JsonFactory JSON = new JsonFactory();

  private ModelSpan() {}

  /**
   * The span of the top-level {@code model} string in {@code body}.
   *
   * @throws IllegalStateException when the body is not a JSON object with a string {@code model}:
   *     the gateway's own translators always write one
   */
  static String of(byte[] body) {
    try (JsonParser p = JSON.createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IllegalStateException("the translated body is not a JSON object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if (name.equals("model") && value == JsonToken.VALUE_STRING) {
          int start = (int) p.getTokenLocation().getByteOffset();
          return start + "," + stringEnd(body, start);
        }
        p.skipChildren();
      }
    } catch (IOException e) {
      throw new IllegalStateException("the translated body is not JSON", e);
    }
    throw new IllegalStateException("the translated body has no top-level model string");
  }

  /** The offset just past the closing quote of the string literal opening at {@code start}. */
  private static int stringEnd(byte[] body, int start) {
    for (int i = start + 1; i < body.length; i++) {
      if (body[i] == '\\') {
        i++;
      } else if (body[i] == '"') {
        return i + 1;
      }
    }
    throw new IllegalStateException("the translated body's model string is not closed");
  }
}
