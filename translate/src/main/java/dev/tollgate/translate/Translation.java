package dev.tollgate.translate;

/**
 * One request translated for one backend API, and the way back for that backend's answer. Made by a
 * {@link RequestTranslator}; immutable, and each {@link #stream()} is a new translator.
 */
public interface Translation {
  /** The request body the backend gets. */
  byte[] body();

  /** The path the backend's API serves this call on, such as {@code /v1/messages}. */
  String upstreamPath();

  /** Whether the client asked for a stream (the backend's answer then is {@link #stream()}'s). */
  boolean streaming();

  /**
   * Translates a whole response body: a JSON answer for a 2xx status, else the backend's error,
   * rewritten into the client API's error shape with the same status. A 2xx body that cannot be
   * read becomes a 502 in the client's shape.
   */
  TranslatedResponse response(int status, byte[] body);

  /** A new incremental translator for a 2xx event stream. */
  StreamTranslator stream();
}
