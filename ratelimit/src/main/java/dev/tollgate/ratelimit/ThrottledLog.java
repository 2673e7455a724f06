package dev.tollgate.ratelimit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * Logs one line per kind of problem and interval, with the count of lines left out, so that an
 * outage under load does not flood the log. Thread-safe.
 */
final class ThrottledLog {
  private final Logger log;
  private final Clock clock;
  private final Duration interval;
  private final ConcurrentHashMap<String, Slot> slots = new ConcurrentHashMap<>();

  ThrottledLog(Logger log, Clock clock, Duration interval) {
    this.log = log;
    this.clock = clock;
    this.interval = interval;
  }

  void warn(String kind, Supplier<String> message) {
    Slot slot = slots.computeIfAbsent(kind, k -> new Slot());
    Instant now = clock.instant();
    long suppressed;
    synchronized (slot) {
      if (slot.next != null && now.isBefore(slot.next)) {
        slot.suppressed.incrementAndGet();
        return;
      }
      slot.next = now.plus(interval);
      suppressed = slot.suppressed.getAndSet(0);
    }
    if (suppressed > 0) {
      log.warn("{} ({} more like this since the last such line)", message.get(), suppressed);
    } else {
      log.warn("{}", message.get());
    }
  }

  private static final class Slot {
    private Instant next;
    private final AtomicLong suppressed = new AtomicLong();
  }
}
