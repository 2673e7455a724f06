package dev.tollgate.demo;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tollgate emulator}: the demo upstream ({@link DemoUpstream}: OpenAI, Azure OpenAI and
 * Anthropic emulators) as a process of its own, for a provider stand-in inside a cluster (the
 * cluster test runs it as a Pod from the Tollgate image). Runs until stopped (SIGTERM).
 */
@Command(
    name = "emulator",
    mixinStandardHelpOptions = true,
    description =
        "Serve the strict provider emulators (OpenAI, Azure OpenAI, Anthropic) of `tollgate run"
            + " --demo` on one port, for tests and demos in a cluster.")
public final class EmulatorCommand implements Callable<Integer> {
  @Option(names = "--host", defaultValue = "0.0.0.0", description = "Address to bind.")
  String host = "0.0.0.0";

  @Option(names = "--port", defaultValue = "8080", description = "Port. Default: 8080.")
  int port = 8080;

  @Option(
      names = "--models",
      split = ",",
      defaultValue = "gpt-4o-mini,gpt-4o,text-embedding-3-small",
      description = "Models served (comma-separated).")
  List<String> models = List.of("gpt-4o-mini", "gpt-4o", "text-embedding-3-small");

  @Option(
      names = "--azure-deployment",
      description = "An Azure OpenAI deployment served under /openai/, as DEPLOYMENT=MODEL.")
  Map<String, String> azureDeployments = new LinkedHashMap<>();

  @Option(
      names = "--key-file",
      required = true,
      description = "File holding the API key callers must present (a mounted Secret).")
  Path keyFile;

  @Override
  public Integer call() throws Exception {
    String key = Files.readString(keyFile, StandardCharsets.UTF_8).strip();
    if (key.isEmpty()) {
      System.err.println("tollgate emulator: error: " + keyFile + " is empty");
      return 2;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    DemoModels served = DemoModels.fixed(models, azureDeployments);
    try (DemoUpstream upstream = DemoUpstream.start(host, port, served, key, 0, List.of())) {
      Runtime.getRuntime().addShutdownHook(new Thread(stopped::countDown, "emulator-stop"));
      stopped.await();
    }
    return 0;
  }
}
