package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.testkit.Ports;
import dev.tollgate.testkit.RepoRoot;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One {@code tollgate run} process, started from the packaged binary on free ports with a folder of
 * test manifests, stopped with SIGTERM. Its output goes to {@code <work>/tollgate.log}.
 */
final class TollgateRun implements AutoCloseable {
  static final Path ROOT = RepoRoot.path();
  static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  final Path work;
  final Path manifests;
  final Map<String, String> vars;
  final int demoPort;
  private final ServicePorts services;
  private final int port;
  private final int metricsPort;
  private final int envoyAdminPort;
  private final Process process;

  private TollgateRun(
      Path work,
      Path manifests,
      Map<String, String> vars,
      int demoPort,
      ServicePorts services,
      int port,
      int metricsPort,
      int envoyAdminPort,
      Process process) {
    this.work = work;
    this.manifests = manifests;
    this.vars = vars;
    this.demoPort = demoPort;
    this.services = services;
    this.port = port;
    this.metricsPort = metricsPort;
    this.envoyAdminPort = envoyAdminPort;
    this.process = process;
  }

  /**
   * Starts {@code tollgate run} on the named manifest set with variables substituted in the
   * manifests and the extra arguments ({@code DEMO_URL} and {@code DEMO_PORT} are set).
   */
  static TollgateRun start(
      String manifestSet, Path work, Map<String, String> variables, String... extraArgs) {
    try {
      Files.createDirectories(work);
      Path manifests = Files.createDirectories(work.resolve("manifests"));
      int demoPort = Ports.free();
      Map<String, String> vars = new HashMap<>(variables);
      vars.put("DEMO_URL", "http://127.0.0.1:" + demoPort);
      vars.put("DEMO_PORT", String.valueOf(demoPort));
      Path source = ROOT.resolve("e2e/src/test/resources/manifests").resolve(manifestSet);
      try (var files = Files.list(source)) {
        for (Path file : files.toList()) {
          Files.writeString(
              manifests.resolve(file.getFileName()), substitute(Files.readString(file), vars));
        }
      }
      return launch(work, manifests, vars, demoPort, extraArgs);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Starts another {@code tollgate run} on the same folder and ports as a stopped one. */
  TollgateRun restart(String... extraArgs) {
    return launch(work, manifests, vars, demoPort, extraArgs);
  }

  private static TollgateRun launch(
      Path work, Path manifests, Map<String, String> vars, int demoPort, String... extraArgs) {
    Path jar = ROOT.resolve("operator/target/tollgate.jar");
    assertThat(jar).as("package the operator module first (./mvnw package)").exists();
    int port = Ports.free();
    int metricsPort = Ports.free();
    int envoyAdminPort = Ports.free();
    ServicePorts services = new ServicePorts(Ports.free(), Ports.free(), Ports.free());
    List<String> command =
        new ArrayList<>(
            List.of(
                "java",
                "-Xmx512m",
                "-jar",
                jar.toString(),
                "run",
                "-f",
                manifests.toString(),
                "--port",
                String.valueOf(port),
                "--processor-port",
                String.valueOf(services.processor()),
                "--ratelimit-port",
                String.valueOf(services.rateLimit()),
                "--demo-upstream-port",
                String.valueOf(demoPort),
                "--ads-port",
                String.valueOf(services.ads()),
                "--envoy-admin-port",
                String.valueOf(envoyAdminPort),
                "--metrics-port",
                String.valueOf(metricsPort),
                "--work-dir",
                work.resolve("run").toString(),
                "--envoy-log-level",
                "info"));
    for (String arg : extraArgs) {
      command.add(substitute(arg, vars));
    }
    try {
      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(
                  ProcessBuilder.Redirect.appendTo(work.resolve("tollgate.log").toFile()))
              .start();
      return new TollgateRun(
              work, manifests, vars, demoPort, services, port, metricsPort, envoyAdminPort, process)
          .awaitReady();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private TollgateRun awaitReady() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (System.nanoTime() < deadline) {
      assertThat(process.isAlive()).as("tollgate run exited:\n%s", logTail()).isTrue();
      try {
        HttpResponse<String> ready =
            HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/readyz"))
                    .timeout(Duration.ofSeconds(2))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (ready.statusCode() == 200) {
          return this;
        }
      } catch (IOException e) {
        // not up yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      sleep(250);
    }
    throw new AssertionError("tollgate run not ready within 90 s:\n" + logTail());
  }

  /** Ports of the gRPC services Envoy uses: ADS, the processor and the rate-limit service. */
  record ServicePorts(int ads, int processor, int rateLimit) {}

  /** Returns the ports of ADS, the processor and the rate-limit service. */
  ServicePorts services() {
    return services;
  }

  /** Returns the gateway's base URL, e.g. {@code http://127.0.0.1:PORT}. */
  String url() {
    return "http://127.0.0.1:" + port;
  }

  /** Returns the metrics server's base URL. */
  String metricsUrl() {
    return "http://127.0.0.1:" + metricsPort;
  }

  /** POSTs JSON to the gateway. */
  HttpResponse<String> post(String path, String key, String json, Map<String, String> headers) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(url() + path))
            .header("content-type", "application/json")
            .timeout(Duration.ofSeconds(30))
            .POST(HttpRequest.BodyPublishers.ofString(json));
    if (key != null) {
      request.header("authorization", "Bearer " + key);
    }
    headers.forEach(request::header);
    try {
      return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** GETs a URL. */
  static HttpResponse<String> get(String url, String key) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
    if (key != null) {
      request.header("authorization", "Bearer " + key);
    }
    try {
      return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Rewrites a manifest of the watched folder with new variables. */
  void rewrite(String manifestSet, String file, Map<String, String> changes) throws IOException {
    vars.putAll(changes);
    Path source =
        ROOT.resolve("e2e/src/test/resources/manifests").resolve(manifestSet).resolve(file);
    Path target = manifests.resolve(file);
    Path temporary = manifests.resolve("." + file + ".tmp");
    Files.writeString(temporary, substitute(Files.readString(source), vars));
    Files.move(
        temporary,
        target,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  /** Returns every line of the process output so far. */
  List<String> logLines() {
    try {
      return Files.readAllLines(work.resolve("tollgate.log"));
    } catch (IOException e) {
      return List.of();
    }
  }

  /** Returns the last lines of the process output. */
  String logTail() {
    try {
      List<String> lines = Files.readAllLines(work.resolve("tollgate.log"));
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log)";
    }
  }

  /** Envoy's admin URL. */
  String envoyAdminUrl() {
    return "http://127.0.0.1:" + envoyAdminPort;
  }

  /** The process's exit code, once it has exited. */
  int exitCode() {
    return process.exitValue();
  }

  /** Whether the process still runs. */
  boolean isAlive() {
    return process.isAlive();
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  static String substitute(String text, Map<String, String> vars) {
    String out = text;
    for (var entry : vars.entrySet()) {
      out = out.replace("${" + entry.getKey() + "}", entry.getValue());
    }
    return out;
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static String read(InputStream in) throws IOException {
    return new String(in.readAllBytes(), StandardCharsets.UTF_8);
  }
}
