package dev.tollgate.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} on a port from {@link Ports}, started and stopped by a test; fails
 * (never skips) when redis-server is not installed, which {@code scripts/install-redis.sh} does.
 */
public final class RedisServer implements AutoCloseable {
  private final int port;
  private final Path dataDir;
  private final Path logFile;
  private Process process;

  private RedisServer(int port, Path dataDir, Path logFile) {
    this.port = port;
    this.dataDir = dataDir;
    this.logFile = logFile;
  }

  /** Starts a server without persistence, as the tests of counters need; its output is dropped. */
  public static RedisServer startEphemeral() throws IOException {
    return startEphemeral(null);
  }

  /** Starts a server without persistence that writes its output to {@code logFile}. */
  public static RedisServer startEphemeral(Path logFile) throws IOException {
    RedisServer server = new RedisServer(Ports.free(), null, logFile);
    server.start();
    return server;
  }

  /**
   * Starts a server that writes every change to an append-only file in {@code dataDir} before it
   * answers, so that a restart loses nothing, like a production Redis configured for budgets.
   */
  public static RedisServer startPersistent(Path dataDir) throws IOException {
    RedisServer server = new RedisServer(Ports.free(), dataDir, null);
    server.start();
    return server;
  }

  /** Returns the URI clients connect to. */
  public String uri() {
    return "redis://127.0.0.1:" + port;
  }

  /** Returns the port. */
  public int port() {
    return port;
  }

  /** Starts the server again on the same port, with the same data folder. */
  public void start() throws IOException {
    List<String> command =
        new ArrayList<>(List.of("redis-server", "--port", Integer.toString(port)));
    command.addAll(List.of("--bind", "127.0.0.1", "--save", ""));
    if (dataDir == null) {
      command.addAll(List.of("--appendonly", "no"));
    } else {
      Files.createDirectories(dataDir);
      command.addAll(
          List.of("--appendonly", "yes", "--appendfsync", "always", "--dir", dataDir.toString()));
    }
    try {
      process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(
                  logFile == null
                      ? ProcessBuilder.Redirect.DISCARD
                      : ProcessBuilder.Redirect.to(logFile.toFile()))
              .start();
    } catch (IOException e) {
      throw new IllegalStateException(
          "redis-server is not on the PATH; install it with scripts/install-redis.sh", e);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!ping()) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "redis-server exited with " + process.exitValue() + " on port " + port);
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("redis-server did not answer PING on port " + port);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  /** Stops the server the way an orchestrator does, with SIGTERM, and waits for it to exit. */
  public void stop() {
    if (process == null) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    process = null;
  }

  /** Sends one command in Redis' inline protocol and returns the first line of the reply. */
  public String command(String inline) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
      socket.setSoTimeout(2000);
      OutputStream out = socket.getOutputStream();
      out.write((inline + "\r\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
      InputStream in = socket.getInputStream();
      StringBuilder line = new StringBuilder();
      int c;
      while ((c = in.read()) != -1 && c != '\n') {
        if (c != '\r') {
          line.append((char) c);
        }
      }
      return line.toString();
    }
  }

  @Override
  public void close() {
    stop();
  }

  private boolean ping() {
    try {
      return command("PING").equals("+PONG");
    } catch (IOException e) {
      return false;
    }
  }
}
