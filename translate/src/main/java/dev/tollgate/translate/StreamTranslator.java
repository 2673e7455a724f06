package dev.tollgate.translate;

/**
 * Translates one streamed (server-sent events) response body incrementally: body chunks of the
 * backend's stream go in as they arrive, split at any byte, and the bytes for the client come out.
 * Memory is bounded by the largest single event, whatever the stream's length. One instance per
 * response; not thread-safe.
 *
 * <p>Only a 2xx stream goes here; an error status carries a JSON body, for {@link
 * Translation#response}.
 */
public interface StreamTranslator {
  /**
   * Takes the next chunk of the backend's body.
   *
   * @param chunk bytes, valid from {@code offset} for {@code length}
   * @param endOfStream whether this is the last chunk
   * @return the client's bytes that are complete so far (possibly empty, never null)
   */
  byte[] next(byte[] chunk, int offset, int length, boolean endOfStream);

  /** Same as {@link #next(byte[], int, int, boolean)} for a whole array. */
  default byte[] next(byte[] chunk, boolean endOfStream) {
    return next(chunk, 0, chunk.length, endOfStream);
  }

  /** The tokens the stream reported so far: the best evidence when the stream is cut short. */
  TokenUsage usage();

  /** Whether the backend's stream ended properly (its terminal event arrived). */
  boolean complete();
}
