package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** A real redis-server on a free port, without persistence, for one test. */
final class RedisProcess implements AutoCloseable {
  final int port = TollgateRun.freePort();
  private final Process process;

  RedisProcess(Path work) {
    try {
      process =
          new ProcessBuilder(
                  "redis-server",
                  "--port",
                  String.valueOf(port),
                  "--bind",
                  "127.0.0.1",
                  "--save",
                  "",
                  "--appendonly",
                  "no")
              .redirectErrorStream(true)
              .redirectOutput(work.resolve("redis.log").toFile())
              .start();
    } catch (IOException e) {
      throw new AssertionError("redis-server is not installed: run scripts/install-redis.sh", e);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      try (Socket socket = new Socket("127.0.0.1", port)) {
        return;
      } catch (IOException e) {
        TollgateRun.sleep(50);
      }
    }
    assertThat(process.isAlive()).as("redis-server did not start").isTrue();
    throw new UncheckedIOException(new IOException("redis-server not reachable on " + port));
  }

  String uri() {
    return "redis://127.0.0.1:" + port;
  }

  @Override
  public void close() {
    process.destroy();
    try {
      process.waitFor(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
