package dev.tollgate.xds;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;

/** Paths and ports tests share. */
final class TestPaths {
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
  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
