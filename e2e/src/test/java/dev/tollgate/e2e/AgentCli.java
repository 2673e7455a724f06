package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The real coding-agent binaries (Claude Code, Codex CLI) as {@code scripts/install-agents.sh}
 * installs them, run headless in a scratch home: no inherited provider variables, and every proxy
 * variable pointed at a closed loopback port with only loopback exempt, so nothing the agents try
 * leaves the machine.
 */
final class AgentCli {
  private static final long TIMEOUT_SECONDS = 180;
  private static Path bin;

  private AgentCli() {}

  /** What one run printed and how it ended. */
  record Outcome(String name, int exitCode, String stdout, String stderr) {
    void assertSucceeded() {
      assertThat(exitCode)
          .as("%s exited %d\nstdout:\n%s\nstderr:\n%s", name, exitCode, stdout, stderr)
          .isZero();
    }
  }

  /** The folder holding {@code claude} and {@code codex}, installed (pinned) on first use. */
  static synchronized Path bin() throws IOException, InterruptedException {
    if (bin == null) {
      Process install =
          new ProcessBuilder(TollgateRun.ROOT.resolve("scripts/install-agents.sh").toString())
              .redirectErrorStream(true)
              .start();
      String output = TollgateRun.read(install.getInputStream());
      assertThat(install.waitFor(600, TimeUnit.SECONDS)).as("install-agents.sh finished").isTrue();
      assertThat(install.exitValue()).as("install-agents.sh:\n%s", output).isZero();
      List<String> lines = output.lines().toList();
      bin = Path.of(lines.get(lines.size() - 1).trim());
    }
    return bin;
  }

  /**
   * Runs an agent binary in {@code dir} with {@code HOME} at {@code dir/home} and these variables,
   * killing it after {@value #TIMEOUT_SECONDS} s.
   */
  static Outcome run(String binary, List<String> args, Path dir, Map<String, String> env)
      throws IOException, InterruptedException {
    Path home = Files.createDirectories(dir.resolve("home"));
    Path out = dir.resolve(binary + ".stdout");
    Path err = dir.resolve(binary + ".stderr");
    List<String> command = new java.util.ArrayList<>();
    command.add(bin().resolve(binary).toString());
    command.addAll(args);
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .redirectOutput(out.toFile())
            .redirectError(err.toFile());
    Map<String, String> environment = builder.environment();
    environment
        .keySet()
        .removeIf(
            name ->
                name.startsWith("ANTHROPIC_")
                    || name.startsWith("OPENAI_")
                    || name.startsWith("CODEX_")
                    || name.startsWith("CLAUDE_")
                    || name.toLowerCase().endsWith("_proxy"));
    environment.put("HOME", home.toString());
    environment.put("XDG_CONFIG_HOME", home.resolve(".config").toString());
    for (String proxy :
        List.of("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "https_proxy", "http_proxy")) {
      environment.put(proxy, "http://127.0.0.1:9");
    }
    environment.put("NO_PROXY", "127.0.0.1,localhost");
    environment.put("no_proxy", "127.0.0.1,localhost");
    environment.putAll(env);
    Process process = builder.start();
    if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      throw new AssertionError(
          binary
              + " did not finish within "
              + TIMEOUT_SECONDS
              + " s\nstdout:\n"
              + Files.readString(out)
              + "\nstderr:\n"
              + Files.readString(err));
    }
    return new Outcome(binary, process.exitValue(), Files.readString(out), Files.readString(err));
  }
}
