package dev.tollgate.processor;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * The body of a key set response, read only when the status is 200 and only up to a size limit: a
 * larger body, declared or sent, ends the exchange as soon as the limit is passed instead of being
 * buffered first. One instance serves one request.
 */
final class LimitedBody implements HttpResponse.BodyHandler<byte[]> {
  private final String uri;
  private final int maxBytes;
  private volatile Flow.Subscription subscription;
  private volatile boolean cancelled;

  LimitedBody(String uri, int maxBytes) {
    this.uri = uri;
    this.maxBytes = maxBytes;
  }

  /** Stops reading: for a fetch that ended (timed out) while the body still streamed. */
  void cancel() {
    cancelled = true;
    Flow.Subscription s = subscription;
    if (s != null) {
      s.cancel();
    }
  }

  @Override
  public HttpResponse.BodySubscriber<byte[]> apply(HttpResponse.ResponseInfo info) {
    if (info.statusCode() != 200) {
      return new Refusing("the key set at " + uri + " answered HTTP " + info.statusCode());
    }
    long declared = info.headers().firstValueAsLong("content-length").orElse(-1);
    if (declared > maxBytes) {
      return new Refusing("the key set at " + uri + " is larger than " + maxBytes + " bytes");
    }
    return new Collecting();
  }

  private final class Refusing implements HttpResponse.BodySubscriber<byte[]> {
    private final CompletableFuture<byte[]> result = new CompletableFuture<>();

    Refusing(String reason) {
      result.completeExceptionally(new IllegalStateException(reason));
    }

    @Override
    public CompletionStage<byte[]> getBody() {
      return result;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      s.cancel();
    }

    @Override
    public void onNext(List<ByteBuffer> item) {}

    @Override
    public void onError(Throwable throwable) {}

    @Override
    public void onComplete() {}
  }

  private final class Collecting implements HttpResponse.BodySubscriber<byte[]> {
    private final CompletableFuture<byte[]> result = new CompletableFuture<>();
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    @Override
    public CompletionStage<byte[]> getBody() {
      return result;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      if (cancelled) {
        s.cancel();
      } else {
        s.request(Long.MAX_VALUE);
      }
    }

    @Override
    public void onNext(List<ByteBuffer> item) {
      if (result.isDone()) {
        return;
      }
      for (ByteBuffer buffer : item) {
        if (bytes.size() + buffer.remaining() > maxBytes) {
          subscription.cancel();
          result.completeExceptionally(
              new IllegalStateException(
                  "the key set at " + uri + " is larger than " + maxBytes + " bytes"));
          return;
        }
        byte[] chunk = new byte[buffer.remaining()];
        buffer.get(chunk);
        bytes.write(chunk, 0, chunk.length);
      }
    }

    @Override
    public void onError(Throwable throwable) {
      result.completeExceptionally(throwable);
    }

    @Override
    public void onComplete() {
      result.complete(bytes.toByteArray());
    }
  }
}
