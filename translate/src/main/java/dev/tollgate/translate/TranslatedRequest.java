package dev.tollgate.translate;

/**
 * What every {@link Translation} holds: the backend's body, its path, whether the client streams,
 * and the attempt's options. Subclasses translate the way back.
 */
abstract class TranslatedRequest implements Translation {
  private final byte[] body;
  private final String upstreamPath;
  private final boolean streaming;
  final RequestOptions options;

  TranslatedRequest(byte[] body, String upstreamPath, boolean streaming, RequestOptions options) {
    this.body = body;
    this.upstreamPath = upstreamPath;
    this.streaming = streaming;
    this.options = options;
  }

  @Override
  public final byte[] body() {
    return body.clone();
  }

  @Override
  public final String upstreamPath() {
    return upstreamPath;
  }

  @Override
  public final boolean streaming() {
    return streaming;
  }
}
