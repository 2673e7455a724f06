package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.testkit.Ports;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real OpenTelemetry Collector (built by scripts/install-otelcol.sh) receiving OTLP/gRPC on a
 * free port of 127.0.0.1, plaintext or TLS, and writing every span it gets to a file as OTLP JSON,
 * one export per line. Its own telemetry is off, so it opens no other port.
 */
final class OtelCollector implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A received span with the service name of its resource. */
  record Span(String serviceName, JsonNode span) {
    String traceId() {
      return span.path("traceId").asText();
    }

    String spanId() {
      return span.path("spanId").asText();
    }

    /** The span's name. */
    String name() {
      return span.path("name").asText();
    }

    String parentSpanId() {
      return span.path("parentSpanId").asText();
    }

    /** The OTLP span kind: 2 for a server span. */
    int kind() {
      return span.path("kind").asInt();
    }

    /** A string attribute, or null. */
    String attribute(String key) {
      for (JsonNode attribute : span.path("attributes")) {
        if (attribute.path("key").asText().equals(key)) {
          return attribute.path("value").path("stringValue").asText(null);
        }
      }
      return null;
    }
  }

  final int port;
  final Path spans;
  private final Path log;
  private final Process process;

  private OtelCollector(int port, Path spans, Path log, Process process) {
    this.port = port;
    this.spans = spans;
    this.log = log;
    this.process = process;
  }

  /** The binary scripts/install-otelcol.sh builds. */
  static Path binary() {
    String dir = System.getenv("OTELCOL_DIR");
    String cache = System.getenv("XDG_CACHE_HOME");
    Path base =
        dir != null
            ? Path.of(dir)
            : Path.of(
                cache != null ? cache : System.getProperty("user.home") + "/.cache",
                "tollgate",
                "otelcol");
    return base.resolve("bin/tollgate-otelcol");
  }

  /** Starts a plaintext collector writing to {@code work/spans.jsonl}; waits until it listens. */
  static OtelCollector start(Path work) throws IOException {
    return start(work, null, null);
  }

  /**
   * Starts a collector writing to {@code work/spans.jsonl}, serving TLS with the PEM certificate
   * and key files when they are given; waits until it listens.
   */
  static OtelCollector start(Path work, Path certificate, Path key) throws IOException {
    return start(work, certificate, key, null);
  }

  /**
   * Starts a collector serving TLS with the PEM certificate and key files, and, when {@code
   * clientCa} is given, requiring a client certificate that chains to it (mutual TLS); waits until
   * it listens.
   */
  static OtelCollector start(Path work, Path certificate, Path key, Path clientCa)
      throws IOException {
    Path binary = binary();
    assertThat(binary)
        .as("the OpenTelemetry Collector; build it with scripts/install-otelcol.sh")
        .isExecutable();
    Files.createDirectories(work);
    int port = Ports.free();
    Path spans = work.resolve("spans.jsonl");
    Files.deleteIfExists(spans);
    Path config = work.resolve("otelcol.yaml");
    Files.writeString(
        config,
        """
        receivers:
          otlp:
            protocols:
              grpc:
                endpoint: 127.0.0.1:%d%s
        exporters:
          file:
            path: %s
            flush_interval: 100ms
        service:
          telemetry:
            metrics:
              level: none
          pipelines:
            traces:
              receivers: [otlp]
              exporters: [file]
        """
            .formatted(port, tls(certificate, key, clientCa), spans));
    Path log = work.resolve("otelcol.log");
    Process process =
        new ProcessBuilder(binary.toString(), "--config", "file:" + config)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()))
            .start();
    OtelCollector collector = new OtelCollector(port, spans, log, process);
    collector.awaitListening();
    return collector;
  }

  /** The receiver's TLS block, on the lines after its endpoint, or nothing for plaintext. */
  private static String tls(Path certificate, Path key, Path clientCa) {
    if (certificate == null) {
      return "";
    }
    String clientAuthentication =
        clientCa == null ? "" : "\n          client_ca_file: %s".formatted(clientCa);
    return "\n        tls:\n          cert_file: %s\n          key_file: %s%s"
        .formatted(certificate, key, clientAuthentication);
  }

  private void awaitListening() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      assertThat(process.isAlive()).as("the collector exited:\n%s", logText()).isTrue();
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
        return;
      } catch (IOException e) {
        TollgateRun.sleep(100);
      }
    }
    throw new AssertionError("the collector did not listen on " + port + ":\n" + logText());
  }

  /** The endpoint to give {@code --otlp-endpoint}. */
  String endpoint() {
    return "127.0.0.1:" + port;
  }

  /** Every span received so far. */
  List<Span> spans() {
    List<Span> all = new ArrayList<>();
    if (!Files.exists(spans)) {
      return all;
    }
    try {
      for (String line : Files.readAllLines(spans)) {
        if (line.isBlank()) {
          continue;
        }
        for (JsonNode resource : JSON.readTree(line).path("resourceSpans")) {
          String service = null;
          for (JsonNode attribute : resource.path("resource").path("attributes")) {
            if (attribute.path("key").asText().equals("service.name")) {
              service = attribute.path("value").path("stringValue").asText();
            }
          }
          for (JsonNode scope : resource.path("scopeSpans")) {
            for (JsonNode span : scope.path("spans")) {
              all.add(new Span(service, span));
            }
          }
        }
      }
    } catch (IOException e) {
      // A line being written; the next poll reads it whole.
      return List.of();
    }
    return all;
  }

  /** The raw text of everything received, to search for what must never be there. */
  String rawText() {
    try {
      return Files.exists(spans) ? Files.readString(spans) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String logText() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(no log)";
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
