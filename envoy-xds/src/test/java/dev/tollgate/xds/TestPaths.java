package dev.tollgate.xds;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;

/** Paths and ports tests share. */
final class TestPaths {
  /** Next port to try; processes start at different offsets so parallel runs rarely meet. */
  private static final java.util.concurrent.atomic.AtomicInteger NEXT_PORT =
      new java.util.concurrent.atomic.AtomicInteger(
          20000 + (int) (ProcessHandle.current().pid() % 6000) * 2);

  private TestPaths() {}

  /** The repository root, passed in by the build. */
  static Path root() {
    return Path.of(System.getProperty("tollgate.root", "..")).toAbsolutePath().normalize();
  }

  /** The examples folder. */
  static Path examples(String name) {
    return root().resolve("examples").resolve(name);
  }

  /** A free TCP port on loopback. */
  /**
   * A port that is free now, below Linux's ephemeral range (32768-60999): a port the kernel hands
   * out for ServerSocket(0) may be taken by an outgoing connection before the test's server binds
   * it.
   */
  static int freePort() {
    for (int tries = 0; tries < 2000; tries++) {
      int candidate = NEXT_PORT.getAndIncrement();
      if (candidate > 32000) {
        NEXT_PORT.set(20000);
        continue;
      }
      try (ServerSocket socket =
          new ServerSocket(candidate, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
        socket.setReuseAddress(true);
        return candidate;
      } catch (IOException taken) {
        // in use: try the next one
      }
    }
    throw new UncheckedIOException(new IOException("no free port between 20000 and 32000"));
  }
}
