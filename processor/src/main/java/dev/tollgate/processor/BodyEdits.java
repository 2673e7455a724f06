package dev.tollgate.processor;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Byte-level edits of a request body: the processor changes a field or two and keeps every other
 * byte as the client sent it, rather than re-serializing the whole body.
 */
final class BodyEdits {
  private BodyEdits() {}

  /**
   * Replaces {@code [start, end)} with {@code replacement}; an insertion when start equals end.
   *
   * @param start first byte replaced
   * @param end byte after the last one replaced
   * @param replacement the new bytes
   */
  record Edit(int start, int end, byte[] replacement) {
    static Edit of(int start, int end, String replacement) {
      return new Edit(start, end, replacement.getBytes(StandardCharsets.UTF_8));
    }
  }

  /**
   * Applies non-overlapping edits to the first {@code length} bytes of {@code body}.
   *
   * @throws IllegalArgumentException when edits overlap or fall outside the body
   */
  static byte[] apply(byte[] body, int length, List<Edit> edits) {
    List<Edit> sorted = new ArrayList<>(edits);
    sorted.sort(Comparator.comparingInt(Edit::start));
    int size = length;
    int previousEnd = 0;
    for (Edit e : sorted) {
      if (e.start() < previousEnd || e.end() < e.start() || e.end() > length) {
        throw new IllegalArgumentException("overlapping or out-of-range body edit");
      }
      previousEnd = e.end();
      size += e.replacement().length - (e.end() - e.start());
    }
    byte[] out = new byte[size];
    int in = 0;
    int at = 0;
    for (Edit e : sorted) {
      System.arraycopy(body, in, out, at, e.start() - in);
      at += e.start() - in;
      System.arraycopy(e.replacement(), 0, out, at, e.replacement().length);
      at += e.replacement().length;
      in = e.end();
    }
    System.arraycopy(body, in, out, at, length - in);
    return out;
  }

  /**
   * Where the byte at {@code offset} lands once the edits are applied. The byte must not be one an
   * edit replaces; an insertion at {@code offset} goes before it.
   */
  static int shifted(int offset, List<Edit> edits) {
    int shift = 0;
    for (Edit e : edits) {
      if (e.end() <= offset) {
        shift += e.replacement().length - (e.end() - e.start());
      }
    }
    return offset + shift;
  }
}
