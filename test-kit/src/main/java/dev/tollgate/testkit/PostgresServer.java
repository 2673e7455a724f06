package dev.tollgate.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server (Debian's {@code postgresql} package, which {@code
 * scripts/install-postgres.sh} installs) on a port from {@link Ports}: {@code initdb} in a
 * temporary folder, a superuser {@code tollgate} trusted on 127.0.0.1. The server refuses to run as
 * root, so under root it runs as the package's {@code postgres} user. Fails (never skips) when
 * PostgreSQL is not installed.
 */
public final class PostgresServer implements AutoCloseable {
  private static final String USER = "tollgate";

  private final Path bin;
  private final Path dataDir;
  private final int port;
  private final boolean asPostgresUser;
  private Process process;

  private PostgresServer(Path bin, Path dataDir, int port, boolean asPostgresUser) {
    this.bin = bin;
    this.dataDir = dataDir;
    this.port = port;
    this.asPostgresUser = asPostgresUser;
  }

  /** Creates a new cluster in a temporary folder and starts it. */
  public static PostgresServer start() throws IOException {
    Path bin = binDir();
    boolean root = "root".equals(System.getProperty("user.name"));
    Path dataDir = Files.createTempDirectory("tollgate-pg-");
    if (root) {
      run(List.of("chown", "postgres:postgres", dataDir.toString()), dataDir);
    }
    PostgresServer server = new PostgresServer(bin, dataDir, Ports.free(), root);
    server.run(
        List.of(
            bin.resolve("initdb").toString(),
            "-D",
            dataDir.resolve("data").toString(),
            "-U",
            USER,
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync"));
    server.startAgain();
    return server;
  }

  /** The JDBC URL of the {@code postgres} database. */
  public String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
  }

  /** The superuser the tests connect as (no password: trusted on loopback). */
  public String user() {
    return USER;
  }

  /** Returns the port. */
  public int port() {
    return port;
  }

  /** Starts the server (again, on the same port and data). */
  public void startAgain() throws IOException {
    List<String> command =
        command(
            List.of(
                bin.resolve("postgres").toString(),
                "-D",
                dataDir.resolve("data").toString(),
                "-p",
                Integer.toString(port),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "unix_socket_directories=" + dataDir,
                "-c",
                "fsync=off",
                "-c",
                "max_connections=50"));
    process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(
                ProcessBuilder.Redirect.appendTo(dataDir.resolve("server.log").toFile()))
            .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!ready()) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "postgres exited with "
                + process.exitValue()
                + "; see "
                + dataDir.resolve("server.log"));
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("postgres did not get ready on port " + port);
      }
      java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
    }
  }

  /**
   * Kills the server at once (SIGKILL to the postmaster and its backends), as a crash or a lost
   * node would, and waits until the port is closed.
   */
  public void kill() {
    if (process == null) {
      return;
    }
    List<ProcessHandle> all = processTree();
    all.forEach(ProcessHandle::destroyForcibly);
    for (ProcessHandle p : all) {
      p.onExit().orTimeout(20, TimeUnit.SECONDS).exceptionally(e -> null).join();
    }
    process = null;
  }

  /** Stops the server with SIGTERM (a smart shutdown), waiting for it to exit. */
  public void stop() {
    if (process == null) {
      return;
    }
    // The postmaster (the child of runuser, or the process itself) takes SIGTERM and ends its
    // backends; runuser follows it.
    processTree().forEach(ProcessHandle::destroy);
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        kill();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    process = null;
  }

  @Override
  public void close() {
    stop();
    try (Stream<Path> files = Files.walk(dataDir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // A temporary folder; the system cleans it up in time.
    }
  }

  private List<ProcessHandle> processTree() {
    List<ProcessHandle> all = new ArrayList<>();
    process.toHandle().descendants().forEach(all::add);
    all.add(process.toHandle());
    return all;
  }

  private boolean ready() {
    try {
      Process check =
          new ProcessBuilder(
                  bin.resolve("pg_isready").toString(),
                  "-h",
                  "127.0.0.1",
                  "-p",
                  Integer.toString(port),
                  "-U",
                  USER,
                  "-t",
                  "1")
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      return check.waitFor(5, TimeUnit.SECONDS) && check.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private List<String> command(List<String> args) {
    if (!asPostgresUser) {
      return args;
    }
    List<String> command = new ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
    command.addAll(args);
    return command;
  }

  private void run(List<String> args) throws IOException {
    run(command(args), dataDir);
  }

  private static void run(List<String> command, Path logDir) throws IOException {
    Path log = logDir.resolve("setup.log");
    Process p =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    try {
      if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException(
            String.join(" ", command) + " failed: " + Files.readString(log));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static Path binDir() {
    try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
      return versions
          .map(v -> v.resolve("bin"))
          .filter(b -> Files.isExecutable(b.resolve("initdb")))
          .max(Comparator.comparing(b -> Integer.parseInt(b.getParent().getFileName().toString())))
          .orElseThrow();
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException(
          "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb); install it with"
              + " scripts/install-postgres.sh",
          e);
    }
  }
}
