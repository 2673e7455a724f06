package dev.tollgate.translate;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/** The JSON mappers of the module: untrusted input, so tight limits and no duplicate keys. */
final class Json {
  private static final StreamReadConstraints LIMITS =
      StreamReadConstraints.builder()
          .maxNestingDepth(128)
          .maxNumberLength(64)
          .maxStringLength(32 * 1024 * 1024)
          .build();

  /** Requests: a duplicate key would let the gateway and the backend read different values. */
  static final ObjectMapper STRICT =
      new ObjectMapper(
          JsonFactory.builder()
              .streamReadConstraints(LIMITS)
              .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
              .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
              .build());

  /** Responses: read what is there. */
  static final ObjectMapper LENIENT =
      new ObjectMapper(
          JsonFactory.builder()
              .streamReadConstraints(LIMITS)
              .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
              .build());

  static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private Json() {}

  static ObjectNode object() {
    return NODES.objectNode();
  }

  /** Parses a response or event; null when it is not a JSON object. */
  static ObjectNode readObject(byte[] bytes, int offset, int length) {
    try {
      JsonNode node = LENIENT.readTree(bytes, offset, length);
      return node instanceof ObjectNode object ? object : null;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** A tree as compact JSON text (a tool call's {@code arguments}). */
  static String text(JsonNode node) {
    try {
      return LENIENT.writeValueAsString(node.isMissingNode() ? object() : node);
    } catch (IOException e) {
      throw new IllegalStateException("a JSON tree always serializes", e);
    }
  }

  static byte[] bytes(JsonNode node) {
    try {
      return LENIENT.writeValueAsBytes(node);
    } catch (IOException e) {
      throw new IllegalStateException("a JSON tree always serializes", e);
    }
  }
}
