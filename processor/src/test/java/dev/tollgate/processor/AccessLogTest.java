package dev.tollgate.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The asynchronous access log writes every line, in order, off the caller's thread. */
class AccessLogTest {
  private static final Instant END = Instant.parse("2026-12-02T05:00:00Z");

  @Test
  void linesAreWrittenInOrderByTheLogsOwnThread() {
    List<String> lines = new CopyOnWriteArrayList<>();
    List<String> threads = new CopyOnWriteArrayList<>();
    AccessLog log =
        AccessLog.asynchronous(
            line -> {
              threads.add(Thread.currentThread().getName());
              lines.add(line);
            });
    for (int i = 0; i < 100; i++) {
      log.write(ProcessorMetricsTest.outcome("ns", "client-" + i), END);
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> lines.size() == 100);
    for (int i = 0; i < 100; i++) {
      assertThat(lines.get(i)).contains("\"client\":\"client-" + i + "\"");
    }
    assertThat(threads).containsOnly("tollgate-access-log");
  }

  @Test
  void aFullQueueMakesTheCallerWriteItsOwnLineRatherThanDropIt() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    List<String> lines = new CopyOnWriteArrayList<>();
    AccessLog log =
        AccessLog.asynchronous(
            line -> {
              if (Thread.currentThread().getName().equals("tollgate-access-log")) {
                try {
                  // Holds the writer so that the queue fills up.
                  release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              }
              lines.add(line);
            });
    int total = AccessLog.QUEUE + 10;
    for (int i = 0; i < total; i++) {
      log.write(ProcessorMetricsTest.outcome("ns", "c"), END);
    }
    assertThat(lines).as("lines the callers wrote while the queue was full").isNotEmpty();
    release.countDown();
    await().atMost(Duration.ofSeconds(10)).until(() -> lines.size() == total);
  }
}
