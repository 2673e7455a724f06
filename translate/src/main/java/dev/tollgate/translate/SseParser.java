package dev.tollgate.translate;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * An incremental parser of server-sent events (the WHATWG event-stream format): bytes go in as they
 * arrive, split anywhere, and complete events come out. Lines end with LF, CRLF or CR, also when
 * the CR and the LF arrive in different chunks; comments (keep-alives) and the {@code id} and
 * {@code retry} fields are ignored. Only the current line and the current event's data are held,
 * each at most {@code maxEventBytes}; a larger event is dropped whole and the stream goes on.
 *
 * <p>Not thread-safe: one instance per response.
 */
public final class SseParser {
  /** Receives complete events. */
  public interface Listener {
    /**
     * One event.
     *
     * @param type the {@code event} field, or null for the default type
     * @param data the data lines joined with LF, valid up to {@code length}; reused after return
     * @param length bytes of data
     */
    void onEvent(String type, byte[] data, int length);

    /**
     * An event longer than the limit was dropped whole. A reader that only meters may ignore it; a
     * translator must not, because the output would silently miss part of the answer.
     */
    default void onOversizedEvent() {}
  }

  private static final int MAX_EVENT_TYPE_BYTES = 128;

  private final int maxEventBytes;
  private final Listener listener;
  private byte[] line = new byte[256];
  private int lineLength;
  private boolean lineTooLong;
  private boolean afterCr;
  private byte[] data = new byte[1024];
  private int dataLength;
  private boolean hasData;
  private boolean eventTooLong;
  private String eventType;

  /**
   * Creates a parser.
   *
   * @param maxEventBytes the longest line and the longest event data held
   * @param listener receives the events, on the caller's thread
   */
  public SseParser(int maxEventBytes, Listener listener) {
    this.maxEventBytes = maxEventBytes;
    this.listener = listener;
  }

  /** Feeds the next bytes of the stream. */
  public void feed(byte[] bytes, int offset, int length) {
    int end = offset + length;
    int i = offset;
    while (i < end) {
      byte b = bytes[i];
      if (afterCr) {
        afterCr = false;
        if (b == '\n') {
          i++;
          continue;
        }
      }
      int lineEnd = i;
      while (lineEnd < end && bytes[lineEnd] != '\n' && bytes[lineEnd] != '\r') {
        lineEnd++;
      }
      appendToLine(bytes, i, lineEnd - i);
      if (lineEnd == end) {
        return;
      }
      afterCr = bytes[lineEnd] == '\r';
      endLine();
      i = lineEnd + 1;
    }
  }

  /**
   * Ends the stream. A last event without its closing blank line is still delivered: a server that
   * ends a stream early should not hide the usage it did send.
   */
  public void finish() {
    if (lineLength > 0 || lineTooLong) {
      endLine();
    }
    dispatch();
  }

  private void appendToLine(byte[] bytes, int offset, int length) {
    if (length == 0 || lineTooLong) {
      return;
    }
    if (lineLength + length > maxEventBytes) {
      lineTooLong = true;
      return;
    }
    if (lineLength + length > line.length) {
      line =
          Arrays.copyOf(
              line, Math.min(maxEventBytes, Math.max(line.length * 2, lineLength + length)));
    }
    System.arraycopy(bytes, offset, line, lineLength, length);
    lineLength += length;
  }

  private void endLine() {
    if (lineTooLong) {
      eventTooLong = true;
    } else if (lineLength == 0) {
      dispatch();
    } else if (line[0] != ':') {
      field();
    }
    lineLength = 0;
    lineTooLong = false;
  }

  private void field() {
    int colon = 0;
    while (colon < lineLength && line[colon] != ':') {
      colon++;
    }
    int valueStart = Math.min(colon + 1, lineLength);
    if (valueStart < lineLength && line[valueStart] == ' ') {
      valueStart++;
    }
    int valueLength = lineLength - valueStart;
    if (is("data", colon)) {
      appendData(valueStart, valueLength);
    } else if (is("event", colon)) {
      eventType =
          valueLength <= MAX_EVENT_TYPE_BYTES
              ? new String(line, valueStart, valueLength, StandardCharsets.UTF_8)
              : null;
    }
  }

  private boolean is(String name, int length) {
    if (length != name.length()) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      if (line[i] != name.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private void appendData(int offset, int length) {
    if (eventTooLong) {
      return;
    }
    int needed = dataLength + length + (hasData ? 1 : 0);
    if (needed > maxEventBytes) {
      eventTooLong = true;
      return;
    }
    if (needed > data.length) {
      data = Arrays.copyOf(data, Math.min(maxEventBytes, Math.max(data.length * 2, needed)));
    }
    if (hasData) {
      data[dataLength++] = '\n';
    }
    System.arraycopy(line, offset, data, dataLength, length);
    dataLength += length;
    hasData = true;
  }

  private void dispatch() {
    if (eventTooLong) {
      listener.onOversizedEvent();
    } else if (hasData) {
      listener.onEvent(eventType, data, dataLength);
    }
    hasData = false;
    dataLength = 0;
    eventTooLong = false;
    eventType = null;
  }
}
