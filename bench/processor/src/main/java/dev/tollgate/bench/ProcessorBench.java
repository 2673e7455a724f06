package dev.tollgate.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Any;
import dev.tollgate.model.GatewayModel;
import dev.tollgate.model.GatewayModelBuilder;
import dev.tollgate.model.Wire;
import dev.tollgate.model.source.ManifestReader;
import dev.tollgate.xds.AdsServer;
import dev.tollgate.xds.EnvoyBootstrap;
import dev.tollgate.xds.EnvoyProcess;
import dev.tollgate.xds.XdsResources;
import dev.tollgate.xds.XdsSettings;
import dev.tollgate.xds.XdsTranslator;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Measures what the processor adds to a request through Envoy: the same Envoy, the same translated
 * configuration and the same stand-in provider, once with the ext_proc filter and once without it
 * (the client then sends the routing headers itself), each driven by vegeta at a fixed rate.
 * Reports latency percentiles of both runs and their difference, and the CPU time per request of
 * the processor's JVM and of Envoy. Not a test: it asserts nothing.
 *
 * <p>Arguments: rate per second (500), measured seconds (30), warm-up seconds (15).
 */
public final class ProcessorBench {
  static final String KEY = "tg-bench-client-key-0001";
  static final ObjectMapper JSON = new ObjectMapper();
  static final Path WORK = Path.of("bench", "processor", "target", "run").toAbsolutePath();

  private ProcessorBench() {}

  /** Runs the benchmark. */
  public static void main(String[] args) throws Exception {
    int rate = args.length > 0 ? Integer.parseInt(args[0]) : 500;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 30;
    int warmup = args.length > 2 ? Integer.parseInt(args[2]) : 15;
    String vegeta = System.getenv().getOrDefault("VEGETA", "vegeta");
    Files.createDirectories(WORK);

    try (StubProvider provider = new StubProvider()) {
      String yaml = manifests(provider.port());
      Path manifests = WORK.resolve("manifests.yaml");
      Files.writeString(manifests, yaml);
      GatewayModel model =
          GatewayModelBuilder.build(new ManifestReader().readString("bench", yaml).snapshot());

      Path portFile = WORK.resolve("processor.port");
      Files.deleteIfExists(portFile);
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.addAll(List.of("-Xms256m", "-Xmx512m"));
      // Extra options for the processor's JVM, e.g. a flight recording while profiling.
      String extra = System.getenv().getOrDefault("PROCESSOR_JAVA_OPTS", "").trim();
      if (!extra.isEmpty()) {
        command.addAll(List.of(extra.split("\\s+")));
      }
      command.addAll(
          List.of(
              "-Dtollgate.bench.accessLog=" + WORK.resolve("access.log"),
              "-cp",
              System.getProperty("java.class.path"),
              ProcessorServerMain.class.getName(),
              manifests.toString(),
              portFile.toString()));
      Process processor =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(WORK.resolve("processor.log").toFile())
              .start();
      try {
        waitFor(() -> Files.exists(portFile), Duration.ofSeconds(60), "the processor to start");
        int processorPort = Integer.parseInt(Files.readString(portFile).trim());
        int listenerPort = freePort();
        XdsResources withProcessor =
            new XdsTranslator(
                    XdsSettings.local()
                        .withListener("127.0.0.1", listenerPort)
                        .withServices("127.0.0.1", processorPort, "127.0.0.1", freePort()))
                .translate(model);
        XdsResources withoutProcessor = withoutProcessor(withProcessor);
        run(
            rate,
            seconds,
            warmup,
            vegeta,
            listenerPort,
            withProcessor,
            withoutProcessor,
            processor);
      } finally {
        processor.destroy();
      }
    }
  }

  private static void run(
      int rate,
      int seconds,
      int warmup,
      String vegeta,
      int listenerPort,
      XdsResources withProcessor,
      XdsResources withoutProcessor,
      Process processor)
      throws Exception {
    try (AdsServer ads = AdsServer.start("127.0.0.1", 0, Clock.systemUTC())) {
      ads.publish(AdsServer.DEFAULT_GROUP, withProcessor);
      int adminPort = freePort();
      Path bootstrap = WORK.resolve("envoy-bootstrap.json");
      Files.writeString(
          bootstrap,
          EnvoyBootstrap.toJson(
              EnvoyBootstrap.build(
                  "bench", AdsServer.DEFAULT_GROUP, "127.0.0.1", ads.port(), adminPort)));
      Path binary =
          EnvoyProcess.findBinary()
              .orElseThrow(() -> new IllegalStateException(EnvoyProcess.INSTALL_HINT));
      Process envoy =
          new ProcessBuilder(
                  binary.toString(),
                  "-c",
                  bootstrap.toString(),
                  "--use-dynamic-base-id",
                  "--log-level",
                  "warning",
                  "--concurrency",
                  "1")
              .redirectErrorStream(true)
              .redirectOutput(WORK.resolve("envoy.log").toFile())
              .start();
      try {
        List<Result> results = new ArrayList<>();
        for (String scenario :
            new String[] {"with processor", "without processor", "with processor"}) {
          boolean with = scenario.startsWith("with ");
          XdsResources resources = with ? withProcessor : withoutProcessor;
          ads.publish(AdsServer.DEFAULT_GROUP, resources);
          waitFor(
              () -> ads.tracker().status("bench").ackedEverything(resources.version()),
              Duration.ofSeconds(60),
              "Envoy to apply the configuration");
          Path targets = targets(listenerPort, with);
          check(listenerPort, with);
          attack(vegeta, targets, rate, warmup);
          Duration processorCpu = cpu(processor);
          Duration envoyCpu = cpu(envoy);
          JsonNode report = attack(vegeta, targets, rate, seconds);
          long requests = report.path("requests").asLong();
          results.add(
              new Result(
                  scenario,
                  report,
                  with
                      ? cpu(processor).minus(processorCpu).toNanos() / (double) requests / 1000
                      : 0,
                  cpu(envoy).minus(envoyCpu).toNanos() / (double) requests / 1000));
        }
        print(rate, seconds, results);
      } finally {
        envoy.destroy();
      }
    }
  }

  /** One measured run: vegeta's report and the CPU microseconds per request. */
  private record Result(
      String scenario, JsonNode report, double processorCpuMicros, double envoyCpuMicros) {
    double latencyMillis(String percentile) {
      return report.path("latencies").path(percentile).asLong() / 1e6;
    }
  }

  private static void print(int rate, int seconds, List<Result> results) {
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            Locale.ROOT, "rate %d/s, %d s per run, %s%n%n", rate, seconds, Instant.now()));
    out.append(
        "| run | requests | success | p50 ms | p90 ms | p99 ms | max ms | processor CPU µs/req | Envoy CPU µs/req |\n");
    out.append("|---|---|---|---|---|---|---|---|---|\n");
    for (Result r : results) {
      out.append(
          String.format(
              Locale.ROOT,
              "| %s | %d | %.4f | %.3f | %.3f | %.3f | %.3f | %.0f | %.0f |%n",
              r.scenario(),
              r.report().path("requests").asLong(),
              r.report().path("success").asDouble(),
              r.latencyMillis("50th"),
              r.latencyMillis("90th"),
              r.latencyMillis("99th"),
              r.latencyMillis("max"),
              r.processorCpuMicros(),
              r.envoyCpuMicros()));
    }
    Result with = results.get(2);
    Result without = results.get(1);
    out.append(
        String.format(
            Locale.ROOT,
            "%nadded by the processor (last run with it minus the run without): p50 %.3f ms, p90 %.3f ms, p99 %.3f ms%n",
            with.latencyMillis("50th") - without.latencyMillis("50th"),
            with.latencyMillis("90th") - without.latencyMillis("90th"),
            with.latencyMillis("99th") - without.latencyMillis("99th")));
    System.out.print(out);
  }

  private static JsonNode attack(String vegeta, Path targets, int rate, int seconds)
      throws Exception {
    Path results = WORK.resolve("results.bin");
    run(
        List.of(
            "bash",
            "-c",
            "'"
                + vegeta
                + "' attack -rate="
                + rate
                + "/s -duration="
                + seconds
                + "s -timeout=10s -targets='"
                + targets
                + "' > '"
                + results
                + "'"));
    String json = run(List.of(vegeta, "report", "-type=json", results.toString()));
    return JSON.readTree(json);
  }

  private static String run(List<String> command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IllegalStateException(command + " failed: " + out);
    }
    return out;
  }

  /** Sends one request and fails unless it succeeds, so a broken setup is not measured. */
  private static void check(int port, boolean with) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
            .header("authorization", "Bearer " + KEY)
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body()));
    if (!with) {
      request.header(Wire.NAMESPACE_HEADER, "bench").header(Wire.MODEL_HEADER, "gpt-4o-mini");
    }
    HttpResponse<String> response = null;
    for (int attempt = 0; attempt < 10; attempt++) {
      response =
          HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() == 200) {
        return;
      }
      Thread.sleep(1000);
    }
    throw new IllegalStateException(
        "setup check failed: " + response.statusCode() + " " + response.body());
  }

  private static Path targets(int port, boolean with) throws IOException {
    Path body = WORK.resolve("body.json");
    Files.writeString(body, body());
    StringBuilder t =
        new StringBuilder("POST http://127.0.0.1:" + port + "/v1/chat/completions\n")
            .append("Authorization: Bearer ")
            .append(KEY)
            .append("\nContent-Type: application/json\n");
    if (!with) {
      t.append(Wire.NAMESPACE_HEADER)
          .append(": bench\n")
          .append(Wire.MODEL_HEADER)
          .append(": gpt-4o-mini\n");
    }
    t.append("@").append(body).append("\n");
    Path targets = WORK.resolve(with ? "targets-with.txt" : "targets-without.txt");
    Files.writeString(targets, t.toString());
    return targets;
  }

  /** A typical chat request: a system prompt, a short conversation, about 180 prompt tokens. */
  static String body() {
    return "{\"model\":\"gpt-4o-mini\",\"max_tokens\":256,\"temperature\":0.2,\"messages\":["
        + "{\"role\":\"system\",\"content\":\"You are a concise assistant for a travel agency. Answer in one or two"
        + " sentences, name sources when you are unsure, and never invent prices or opening hours.\"},"
        + "{\"role\":\"user\",\"content\":\"We are planning a weekend in France in spring with two children. Which"
        + " city would you suggest for museums, parks and good food, and how do we get there by train?\"},"
        + "{\"role\":\"assistant\",\"content\":\"Paris: the Louvre and the Musee d'Orsay, the Jardin du Luxembourg,"
        + " and fast TGV trains from most large cities.\"},"
        + "{\"role\":\"user\",\"content\":\"What is the capital of France, and is it also the largest city?\"}]}";
  }

  static String manifests(int providerPort) {
    return """
        apiVersion: v1
        kind: Secret
        metadata: {name: provider-key, namespace: bench}
        stringData: {apiKey: sk-bench-provider-key}
        ---
        apiVersion: v1
        kind: Secret
        metadata: {name: client, namespace: bench, labels: {tollgate.dev/client-key: "true"}}
        stringData: {apiKey: %s}
        ---
        apiVersion: tollgate.dev/v1alpha1
        kind: ModelProvider
        metadata: {name: openai, namespace: bench}
        spec:
          type: OpenAI
          endpoint: {url: "http://127.0.0.1:%d"}
          credentials: {name: provider-key}
          models:
            - name: gpt-4o-mini
              contextWindow: 128000
              pricing: {currency: USD, inputPerMillion: "0.15", outputPerMillion: "0.60"}
        ---
        apiVersion: tollgate.dev/v1alpha1
        kind: AIRoute
        metadata: {name: chat, namespace: bench}
        spec:
          clients: {apiKeys: {secretSelector: {matchLabels: {tollgate.dev/client-key: "true"}}}}
          rules:
            - models: [gpt-4o-mini]
              backends:
                - {provider: {name: openai}, model: gpt-4o-mini}
        """
        .formatted(KEY, providerPort);
  }

  /**
   * The same configuration without the processor: no ext_proc filter, and no early removal of the
   * routing headers, which the client then sends itself.
   */
  static XdsResources withoutProcessor(XdsResources resources) throws IOException {
    List<Listener> listeners = new ArrayList<>();
    for (Listener listener : resources.listeners()) {
      Listener.Builder l = listener.toBuilder();
      for (FilterChain.Builder chain : l.getFilterChainsBuilderList()) {
        for (Filter.Builder filter : chain.getFiltersBuilderList()) {
          HttpConnectionManager hcm = filter.getTypedConfig().unpack(HttpConnectionManager.class);
          HttpConnectionManager.Builder b =
              hcm.toBuilder().clearEarlyHeaderMutationExtensions().clearHttpFilters();
          hcm.getHttpFiltersList().stream()
              .filter(f -> !f.getName().equals("envoy.filters.http.ext_proc"))
              .forEach(b::addHttpFilters);
          filter.setTypedConfig(Any.pack(b.build()));
        }
      }
      listeners.add(l.build());
    }
    return new XdsResources(
        resources.version() + "-without-processor",
        listeners,
        resources.routes(),
        resources.clusters(),
        resources.secrets());
  }

  private static Duration cpu(Process process) {
    return process.toHandle().info().totalCpuDuration().orElse(Duration.ZERO);
  }

  private interface Check {
    boolean ok() throws Exception;
  }

  private static void waitFor(Check check, Duration timeout, String what) throws Exception {
    Instant deadline = Instant.now().plus(timeout);
    while (!check.ok()) {
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException("timed out waiting for " + what);
      }
      Thread.sleep(100);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
