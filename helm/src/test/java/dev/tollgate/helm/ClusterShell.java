package dev.tollgate.helm;

import dev.tollgate.testkit.RepoRoot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the cluster scripts and commands inside the cluster's network namespace
 * (scripts/cluster-exec.sh) for {@link ClusterIT}, each bounded in time, with its output in a log
 * file under target/cluster-logs that a failure names.
 */
final class ClusterShell {
  private static final Path LOGS = RepoRoot.path().resolve("helm/target/cluster-logs");
  private static int counter;

  private ClusterShell() {}

  /** A finished command: its exit code and combined output. */
  record Done(int exitCode, String output, Path log) {
    Done ok(String what) {
      if (exitCode != 0) {
        throw new AssertionError(
            what + " failed (exit " + exitCode + ", log " + log + "):\n" + tail(output));
      }
      return this;
    }
  }

  /** Runs a repository script (or any command) on the host. */
  static Done script(Duration limit, Map<String, String> env, String... command) {
    return run(limit, env, List.of(command));
  }

  /** Runs a command inside the cluster's network namespace with its KUBECONFIG. */
  static Done inCluster(Duration limit, String... command) {
    List<String> all = new ArrayList<>(List.of("scripts/cluster-exec.sh"));
    all.addAll(List.of(command));
    return run(limit, Map.of(), all);
  }

  /** kubectl inside the namespace, at most six minutes (its own --timeout is shorter). */
  static Done kubectl(String... args) {
    List<String> all = new ArrayList<>(List.of("kubectl"));
    all.addAll(List.of(args));
    return inCluster(Duration.ofMinutes(6), all.toArray(String[]::new));
  }

  /** Starts a command inside the namespace without waiting; output goes to the returned log. */
  static Process startInCluster(Path log, Map<String, String> env, String... command)
      throws IOException {
    List<String> all = new ArrayList<>(List.of("scripts/cluster-exec.sh"));
    all.addAll(List.of(command));
    ProcessBuilder builder =
        new ProcessBuilder(all)
            .directory(RepoRoot.path().toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    builder.environment().putAll(env);
    return builder.start();
  }

  /** Empties the log folder, so a failure never points at an earlier run's log. */
  static void clearLogs() throws IOException {
    if (Files.isDirectory(LOGS)) {
      try (var files = Files.list(LOGS)) {
        for (Path file : files.toList()) {
          Files.delete(file);
        }
      }
    }
  }

  static Path newLog(String name) throws IOException {
    Files.createDirectories(LOGS);
    synchronized (ClusterShell.class) {
      counter++;
      return LOGS.resolve(String.format("%02d-%s.log", counter, name));
    }
  }

  private static Done run(Duration limit, Map<String, String> env, List<String> command) {
    try {
      Path log = newLog(Path.of(command.get(command.size() > 1 ? 1 : 0)).getFileName().toString());
      ProcessBuilder builder =
          new ProcessBuilder(command)
              .directory(RepoRoot.path().toFile())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile());
      builder.environment().putAll(env);
      Process process = builder.start();
      if (!process.waitFor(limit.toSeconds(), TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError(
            "timed out after " + limit + ": " + String.join(" ", command) + " (log " + log + ")");
      }
      return new Done(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8), log);
    } catch (IOException e) {
      throw new AssertionError("cannot run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted: " + command, e);
    }
  }

  private static String tail(String output) {
    return output.length() <= 4000 ? output : output.substring(output.length() - 4000);
  }
}
