package dev.tollgate.emulator;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.IntConsumer;

/**
 * How an emulator answers one request: a whole body, or a stream written piece by piece (paced by
 * the demo's chunk delay). Not thread-safe; one per request.
 */
public final class Reply {
  private final HttpExchange exchange;
  private final long chunkDelayMillis;
  private final IntConsumer onStatus;
  private OutputStream stream;

  /** A reply that tells {@code onStatus} its status just before the status line goes out. */
  Reply(HttpExchange exchange, long chunkDelayMillis, IntConsumer onStatus) {
    this.exchange = exchange;
    this.chunkDelayMillis = chunkDelayMillis;
    this.onStatus = onStatus;
  }

  /** Adds a response header; call before the body. */
  public Reply header(String name, String value) {
    exchange.getResponseHeaders().add(name, value);
    return this;
  }

  /**
   * Sends a whole body. When the demo slows answers down, the body goes out in 8 KiB pieces, so
   * that the end of a JSON answer (where usage is) arrives last.
   */
  public void send(int status, String contentType, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("content-type", contentType);
    onStatus.accept(status);
    exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    OutputStream out = exchange.getResponseBody();
    if (chunkDelayMillis == 0) {
      out.write(bytes);
      return;
    }
    for (int at = 0; at < bytes.length; at += 8192) {
      out.write(bytes, at, Math.min(8192, bytes.length - at));
      out.flush();
      Pause.millis(chunkDelayMillis);
    }
  }

  /** Starts a chunked stream with status 200 and this content type. */
  public void startStream(String contentType) throws IOException {
    exchange.getResponseHeaders().set("content-type", contentType);
    onStatus.accept(200);
    exchange.sendResponseHeaders(200, 0);
    stream = exchange.getResponseBody();
  }

  /** Writes one piece of a started stream and flushes it, then waits the demo's chunk delay. */
  public void write(String piece) throws IOException {
    if (stream == null) {
      throw new IllegalStateException("startStream first");
    }
    stream.write(piece.getBytes(StandardCharsets.UTF_8));
    stream.flush();
    Pause.millis(chunkDelayMillis);
  }
}
