package dev.tollgate.translate;

import java.io.ByteArrayOutputStream;

/**
 * What every server-sent-events translator shares: the parser that turns chunks into events, the
 * output of one {@link #next} call, and whether the stream ended properly or broke. Subclasses
 * translate events and say what the end of the stream means.
 */
abstract class SseTranslator implements StreamTranslator, SseParser.Listener {
  /** The largest event held; real deltas are a few hundred bytes. */
  static final int MAX_EVENT_BYTES = 1 << 20;

  /** The client's bytes of the current {@link #next} call. */
  final ByteArrayOutputStream out = new ByteArrayOutputStream(512);

  private final SseParser parser = new SseParser(MAX_EVENT_BYTES, this);
  private boolean complete;
  private boolean failed;
  private boolean ending;

  @Override
  public final byte[] next(byte[] chunk, int offset, int length, boolean endOfStream) {
    out.reset();
    if (open()) {
      parser.feed(chunk, offset, length);
      if (endOfStream) {
        ending = true;
        parser.finish();
      }
    }
    if (endOfStream && open()) {
      endedWithoutTerminalEvent();
    }
    return out.toByteArray();
  }

  @Override
  public final boolean complete() {
    return complete;
  }

  @Override
  public final void onOversizedEvent() {
    if (open()) {
      fail("The stream sent an event larger than Tollgate translates.");
    }
  }

  /** Whether events are still translated (neither complete nor broken). */
  final boolean open() {
    return !complete && !failed;
  }

  /** Whether the stream is ending: an unreadable event now is one cut off mid-way. */
  final boolean ending() {
    return ending;
  }

  /** Marks the stream as ended properly; later bytes are ignored. */
  final void completed() {
    complete = true;
  }

  /** Writes the client's error event and ignores the rest of the stream. */
  final void fail(String message) {
    failed = true;
    writeError(message);
  }

  /** Writes an error event in the client's shape. */
  abstract void writeError(String message);

  /** The backend's stream ended without its terminal event. */
  abstract void endedWithoutTerminalEvent();
}
