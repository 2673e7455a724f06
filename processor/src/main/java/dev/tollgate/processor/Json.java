package dev.tollgate.processor;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;

/**
 * The JSON factories the processor parses with, and a string quoter for the few bodies it writes
 * itself. Constraints are tighter than Jackson's defaults because every input is untrusted.
 */
final class Json {
  /** Nesting deeper than any real request or response; deeper input is refused, not recursed. */
  static final int MAX_DEPTH = 128;

  private static final StreamReadConstraints CONSTRAINTS =
      StreamReadConstraints.builder()
          .maxNestingDepth(MAX_DEPTH)
          .maxNumberLength(64)
          .maxStringLength(32 * 1024 * 1024)
          .maxNameLength(4096)
          .build();

  /**
   * For request bodies: duplicate keys are refused, because the processor and the provider could
   * otherwise read different values of the same field (route on one model, bill another).
   */
  static final JsonFactory STRICT =
      JsonFactory.builder()
          .streamReadConstraints(CONSTRAINTS)
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .build();

  /** For responses and tokens: read what is there, never refuse. */
  static final JsonFactory LENIENT =
      JsonFactory.builder().streamReadConstraints(CONSTRAINTS).build();

  private Json() {}

  /** Returns {@code value} as a JSON string literal, quotes included. */
  static String quote(String value) {
    StringBuilder out = new StringBuilder(value.length() + 2).append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20 || (c >= 0xD800 && c <= 0xDFFF && !validSurrogate(value, i))) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"').toString();
  }

  private static boolean validSurrogate(String s, int i) {
    char c = s.charAt(i);
    if (Character.isHighSurrogate(c)) {
      return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
    }
    return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
  }
}
