package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the Python client checks in {@code e2e/python} with the official SDKs: {@code
 * openai_client_check.py} with {@code openai}, {@code anthropic_client_check.py} with {@code
 * anthropic}.
 */
final class OpenAiClient {
  private OpenAiClient() {}

  /** The outcome of one run. */
  record Outcome(int exitCode, String output) {
    void assertPassed() {
      assertThat(exitCode).as("openai client check failed:\n%s", output).isZero();
      assertThat(output).contains("PASSED");
    }
  }

  /** Runs a scenario of the check script against a gateway with a key. */
  static Outcome run(TollgateRun gateway, String key, String scenario)
      throws IOException, InterruptedException {
    return runScript(gateway, "openai_client_check.py", gateway.url() + "/v1", key, scenario);
  }

  /**
   * Runs a scenario of a check script with the gateway's base URL as the script's clients take it.
   */
  static Outcome runScript(
      TollgateRun gateway, String script, String baseUrl, String key, String scenario)
      throws IOException, InterruptedException {
    Process install =
        new ProcessBuilder(TollgateRun.ROOT.resolve("scripts/install-e2e-python.sh").toString())
            .redirectErrorStream(true)
            .start();
    String installOutput = TollgateRun.read(install.getInputStream());
    assertThat(install.waitFor(600, TimeUnit.SECONDS)).isTrue();
    assertThat(install.exitValue()).as(installOutput).isZero();
    List<String> lines = installOutput.lines().toList();
    String python = lines.get(lines.size() - 1).trim();
    assertThat(Path.of(python)).exists();
    ProcessBuilder builder =
        new ProcessBuilder(
                python, TollgateRun.ROOT.resolve("e2e/python").resolve(script).toString(), scenario)
            .redirectErrorStream(true)
            .redirectOutput(gateway.work.resolve(script + "-" + scenario + ".log").toFile());
    builder.environment().put("TOLLGATE_BASE_URL", baseUrl);
    builder.environment().put("TOLLGATE_KEY", key);
    Process check = builder.start();
    assertThat(check.waitFor(120, TimeUnit.SECONDS)).isTrue();
    return new Outcome(
        check.exitValue(),
        Files.readString(gateway.work.resolve(script + "-" + scenario + ".log")));
  }
}
