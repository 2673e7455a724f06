package dev.tollgate.helm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.testkit.RepoRoot;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The command-line tools the chart's tests run, found on the PATH or where {@code
 * scripts/install-chart-tools.sh} puts them. A missing tool fails the test with the script to run;
 * nothing is skipped.
 */
final class Tools {
  private Tools() {}

  /** Where install-chart-tools.sh installs helm, kubeconform, glua and the schema sources. */
  static Path chartTools() {
    String dir = System.getenv("CHART_TOOLS_DIR");
    if (dir != null && !dir.isBlank()) {
      return Path.of(dir);
    }
    String cache = System.getenv("XDG_CACHE_HOME");
    Path base =
        cache == null || cache.isBlank()
            ? Path.of(System.getProperty("user.home"), ".cache")
            : Path.of(cache);
    return base.resolve("tollgate/chart-tools");
  }

  /** Returns an installed tool: helm, kubeconform or glua (chart tools), or envoy (PATH). */
  static Path find(String name, String installScript) {
    Path installed = chartTools().resolve("bin").resolve(name);
    if (Files.isExecutable(installed)) {
      return installed;
    }
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
      if (Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    throw new AssertionError(name + " is not installed: run " + installScript);
  }

  static Path helm() {
    return find("helm", "scripts/install-chart-tools.sh");
  }

  static Path kubeconform() {
    return find("kubeconform", "scripts/install-chart-tools.sh");
  }

  static Path glua() {
    return find("glua", "scripts/install-chart-tools.sh");
  }

  static Path envoy() {
    return find("envoy", "scripts/install-envoy.sh");
  }

  /** A finished process: its exit code and what it printed. */
  record Result(int exitCode, String stdout, String stderr) {
    /** Fails unless the process succeeded, showing what it printed. */
    Result assertSuccess(String what) {
      assertThat(exitCode)
          .as("%s failed (exit %d)%nstdout:%n%s%nstderr:%n%s", what, exitCode, stdout, stderr)
          .isZero();
      return this;
    }
  }

  /**
   * Runs a command in the repository root, feeding it stdin (or nothing), for at most 5 minutes.
   */
  static Result run(List<String> command, String stdin) {
    ProcessBuilder builder =
        new ProcessBuilder(new ArrayList<>(command)).directory(RepoRoot.path().toFile());
    try {
      Process process = builder.start();
      CompletableFuture<String> out = drain(process.getInputStream());
      CompletableFuture<String> err = drain(process.getErrorStream());
      try (var in = process.getOutputStream()) {
        if (stdin != null) {
          in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
      }
      if (!process.waitFor(5, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        throw new AssertionError("timed out: " + String.join(" ", command));
      }
      return new Result(process.exitValue(), out.join(), err.join());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + command.get(0), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  private static CompletableFuture<String> drain(InputStream stream) {
    return CompletableFuture.supplyAsync(
        () -> {
          try (stream) {
            return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
  }
}
