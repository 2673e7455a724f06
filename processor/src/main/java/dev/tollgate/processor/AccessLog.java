package dev.tollgate.processor;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one JSON line per request. It holds identities, token counts, cost and timings, never
 * prompt or completion text, credentials or query strings. Thread-safe.
 *
 * <p>The default log ({@link #slf4j()}) is asynchronous: {@link #write} only queues the outcome,
 * and one daemon thread formats the line and hands it to the logger, so neither Jackson nor the
 * logger's formatting and write reach the gRPC thread that answered Envoy. The queue holds {@value
 * #QUEUE} outcomes; when it is full the caller writes its line itself, so no line is ever dropped.
 */
final class AccessLog {
  /** The logger the default sink writes to, so deployments can route it on its own. */
  static final String LOGGER = "tollgate.access";

  private static final Logger LOG = LoggerFactory.getLogger(LOGGER);

  /** Outcomes the asynchronous log holds before callers write their own lines. */
  static final int QUEUE = 16_384;

  private record Entry(Outcome outcome, Instant end) {}

  private final Consumer<String> sink;
  private final BlockingQueue<Entry> queue;

  /** A synchronous log: each line goes to {@code sink} on the calling thread. */
  AccessLog(Consumer<String> sink) {
    this(sink, null);
  }

  private AccessLog(Consumer<String> sink, BlockingQueue<Entry> queue) {
    this.sink = sink;
    this.queue = queue;
  }

  /** A log writing to the {@value #LOGGER} SLF4J logger at INFO from its own thread. */
  static AccessLog slf4j() {
    return asynchronous(LOG::info);
  }

  /** A log whose lines go to {@code sink} from one daemon thread of its own. */
  static AccessLog asynchronous(Consumer<String> sink) {
    AccessLog log = new AccessLog(sink, new ArrayBlockingQueue<>(QUEUE));
    Thread writer = new Thread(log::drain, "tollgate-access-log");
    writer.setDaemon(true);
    writer.start();
    return log;
  }

  void write(Outcome o, Instant end) {
    if (queue == null || !queue.offer(new Entry(o, end))) {
      sink.accept(line(o, end));
    }
  }

  private void drain() {
    while (true) {
      try {
        Entry e = queue.take();
        sink.accept(line(e.outcome(), e.end()));
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        LOG.warn("could not write an access-log line", e);
      }
    }
  }

  static String line(Outcome o, Instant end) {
    StringWriter out = new StringWriter(512);
    try (JsonGenerator g = Json.LENIENT.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("time", end.toString());
      g.writeStringField("request_id", o.requestId());
      g.writeStringField("method", o.method());
      g.writeStringField("path", o.path());
      g.writeNumberField("status", o.status());
      g.writeStringField("auth", o.auth());
      g.writeStringField("namespace", o.namespace());
      g.writeStringField("client", o.client());
      g.writeStringField("route", o.route());
      g.writeStringField("model", o.requestModel());
      g.writeStringField("response_model", o.responseModel());
      g.writeStringField("provider", o.provider());
      g.writeStringField("operation", o.operation().semconvName());
      g.writeBooleanField("stream", o.stream());
      g.writeNumberField("estimated_input_tokens", o.estimatedInputTokens());
      g.writeNumberField("reserve_tokens", o.reserveTokens());
      g.writeNumberField("input_tokens", o.inputTokens());
      g.writeNumberField("cached_input_tokens", o.cachedInputTokens());
      g.writeNumberField("output_tokens", o.outputTokens());
      g.writeStringField("usage_source", o.usageSource());
      if (o.cost() != null) {
        g.writeFieldName("cost");
        g.writeNumber(o.cost().toPlainString());
        g.writeStringField("currency", o.currency());
      }
      g.writeNumberField("duration_ms", o.durationNanos() / 1_000_000.0);
      if (o.timeToFirstTokenNanos() >= 0) {
        g.writeNumberField("ttft_ms", o.timeToFirstTokenNanos() / 1_000_000.0);
      }
      g.writeStringField("error", o.error());
      g.writeBooleanField("aborted", o.aborted());
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }
}
