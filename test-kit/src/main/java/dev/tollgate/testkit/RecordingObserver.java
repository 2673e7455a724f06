package dev.tollgate.testkit;

import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A gRPC stream observer that records what a service sends, in order, for a test to take one at a
 * time: each value, the {@link Throwable} that ended the stream, or {@link #COMPLETED}.
 * Thread-safe.
 *
 * @param <T> the message type of the stream
 */
public final class RecordingObserver<T> implements StreamObserver<T> {
  /** The event recorded when the service completes the stream. */
  public static final Object COMPLETED =
      new Object() {
        @Override
        public String toString() {
          return "completed";
        }
      };

  private final BlockingQueue<Object> events = new LinkedBlockingQueue<>();

  @Override
  public void onNext(T value) {
    events.add(value);
  }

  @Override
  public void onError(Throwable error) {
    events.add(error);
  }

  @Override
  public void onCompleted() {
    events.add(COMPLETED);
  }

  /**
   * Returns the next event: a value, the error that ended the stream, or {@link #COMPLETED}; an
   * {@link AssertionError} naming the wait when nothing came within {@code timeout}.
   */
  public Object next(Duration timeout) {
    try {
      Object event = events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return event == null ? new AssertionError("no answer within " + timeout) : event;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for an answer", e);
    }
  }
}
