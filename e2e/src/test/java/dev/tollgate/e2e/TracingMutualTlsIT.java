package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.e2e.TracingIT.Parent;
import dev.tollgate.tls.CertificateAuthority;
import dev.tollgate.tls.IssuedCertificate;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Mutual TLS towards a real OpenTelemetry Collector whose OTLP receiver requires a client
 * certificate ({@code client_ca_file}): through {@code tollgate run --otlp-client-cert-file
 * --otlp-client-key-file} and a real Envoy, spans arrive with a certificate the collector trusts
 * and never without one; a certificate rotated in its directory, as a Kubernetes Secret volume
 * swaps it, applies without restarting Envoy, and so does the CA the collector's certificate is
 * checked against ({@code --otlp-ca-file}).
 */
class TracingMutualTlsIT {
  static final String BODY =
      "{\"model\":\"fast\",\"max_tokens\":3,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

  /** A collector serving 127.0.0.1 with a certificate of {@code serverCa}, requiring clients. */
  static OtelCollector mutualCollector(
      Path work, CertificateAuthority serverCa, CertificateAuthority clientCa) throws IOException {
    IssuedCertificate served =
        serverCa.issueServer(
            "otel-collector", List.of(), List.of("127.0.0.1"), Duration.ofHours(1));
    Files.createDirectories(work);
    Path certificate = Files.writeString(work.resolve("collector.crt"), served.certificatePem());
    Path key = Files.writeString(work.resolve("collector.key"), served.keyPem());
    Path clients =
        Files.writeString(
            work.resolve("client-ca.crt"), IssuedCertificate.pem(clientCa.certificate()));
    return OtelCollector.start(work.resolve("otelcol"), certificate, key, clients);
  }

  /** Writes a client certificate as {@code tls.crt} and {@code tls.key}, see the other form. */
  static void writeLikeASecretVolume(Path directory, IssuedCertificate client, String version)
      throws IOException {
    writeLikeASecretVolume(
        directory, Map.of("tls.crt", client.certificatePem(), "tls.key", client.keyPem()), version);
  }

  /**
   * Writes files into {@code directory} the way a Kubernetes Secret volume does: each name is a
   * link through {@code ..data}, which is swapped in one rename to a new version's folder.
   */
  static void writeLikeASecretVolume(Path directory, Map<String, String> files, String version)
      throws IOException {
    Files.createDirectories(directory);
    Path folder = directory.resolve("..v" + version);
    Files.createDirectories(folder);
    for (Map.Entry<String, String> file : files.entrySet()) {
      Files.writeString(folder.resolve(file.getKey()), file.getValue());
    }
    Path next = directory.resolve("..data_tmp");
    Files.deleteIfExists(next);
    Files.createSymbolicLink(next, folder.getFileName());
    Files.move(
        next,
        directory.resolve("..data"),
        StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
    for (String name : files.keySet()) {
      Path link = directory.resolve(name);
      if (!Files.isSymbolicLink(link)) {
        Files.createSymbolicLink(link, Path.of("..data", name));
      }
    }
  }

  static TollgateRun gateway(Path work, OtelCollector collector, Path ca, String... client) {
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "--otlp-endpoint",
                "https://" + collector.endpoint(),
                "--otlp-ca-file",
                ca.toString()));
    args.addAll(List.of(client));
    return TollgateRun.start("tracing", work, Map.of(), args.toArray(String[]::new));
  }

  /** Envoy's counters of the OTLP cluster, for a failure's message. */
  static String otlpStats(TollgateRun run) throws Exception {
    return TollgateRun.HTTP
        .send(
            HttpRequest.newBuilder(
                    URI.create(run.envoyAdminUrl() + "/stats?filter=cluster.tollgate_otlp"))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  /**
   * Sends traced requests, each answered 200, until the collector refused Envoy's connection (Envoy
   * counts the connection the collector closed) with no span received; bounded.
   */
  static void assertRefused(TollgateRun traced, OtelCollector collector) throws Exception {
    assertRefused(
        traced,
        collector,
        "cluster.tollgate_otlp.ssl.connection_error",
        "cluster.tollgate_otlp.upstream_cx_destroy_remote");
  }

  /**
   * Sends traced requests, each answered 200, until one of Envoy's {@code counters} shows a
   * connection to the collector failed, with no span received; bounded.
   */
  static void assertRefused(TollgateRun traced, OtelCollector collector, String... counters)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    long refused = 0;
    while (refused == 0 && System.nanoTime() < deadline) {
      HttpResponse<String> response =
          traced.post("/v1/chat/completions", TracingIT.KEY, BODY, Parent.random().header());
      assertThat(response.statusCode()).as("tracing never fails a request").isEqualTo(200);
      for (String counter : counters) {
        refused += TracingIT.stat(traced, counter);
      }
      TollgateRun.sleep(500);
    }
    assertThat(refused)
        .as(
            "connections the collector refused, Envoy's OTLP counters:\n%s\ncollector log:\n%s",
            otlpStats(traced), collector.logText())
        .isPositive();
    assertThat(collector.spans()).as("spans received without a trusted certificate").isEmpty();
  }

  /** Without a client certificate, the collector refuses Envoy: no span, no failed request. */
  @Test
  void aCollectorThatRequiresAClientCertificateGetsNothingWithoutOne() throws Exception {
    Path work = Path.of("target/e2e/tracing-mtls-none").toAbsolutePath();
    Clock clock = Clock.systemUTC();
    CertificateAuthority serverCa =
        CertificateAuthority.create("collector-ca", Duration.ofHours(1), clock);
    CertificateAuthority clientCa =
        CertificateAuthority.create("gateway-client-ca", Duration.ofHours(1), clock);
    try (OtelCollector collector = mutualCollector(work, serverCa, clientCa);
        TollgateRun traced = gateway(work, collector, TracingIT.caFile(work, serverCa))) {
      assertRefused(traced, collector);
    }
  }

  /**
   * A certificate the collector does not trust gets nothing; rotated in place to one it trusts, the
   * spans arrive, from the same Envoy.
   */
  @Test
  void aRotatedClientCertificateAppliesWithoutARestart() throws Exception {
    Path work = Path.of("target/e2e/tracing-mtls-rotation").toAbsolutePath();
    Clock clock = Clock.systemUTC();
    CertificateAuthority serverCa =
        CertificateAuthority.create("collector-ca", Duration.ofHours(1), clock);
    CertificateAuthority clientCa =
        CertificateAuthority.create("gateway-client-ca", Duration.ofHours(1), clock);
    CertificateAuthority strangerCa =
        CertificateAuthority.create("stranger-ca", Duration.ofHours(1), clock);
    Path clientDirectory = work.resolve("otlp-client");
    deleteRecursively(clientDirectory);
    writeLikeASecretVolume(
        clientDirectory, strangerCa.issueClient("gateway", Duration.ofHours(1)), "1");
    try (OtelCollector collector = mutualCollector(work, serverCa, clientCa);
        TollgateRun traced =
            gateway(
                work,
                collector,
                TracingIT.caFile(work, serverCa),
                "--otlp-client-cert-file",
                clientDirectory.resolve("tls.crt").toString(),
                "--otlp-client-key-file",
                clientDirectory.resolve("tls.key").toString())) {
      assertRefused(traced, collector);

      writeLikeASecretVolume(
          clientDirectory, clientCa.issueClient("gateway", Duration.ofHours(1)), "2");
      assertSpansArrive(traced, collector, "rotating to a trusted certificate");
    }
  }

  /**
   * The CA the collector's certificate is checked against, rotated in its directory as a Kubernetes
   * Secret volume swaps it: before, Envoy refuses the collector's certificate and no span arrives;
   * after, the same Envoy's spans arrive.
   */
  @Test
  void aRotatedCaAppliesWithoutARestart() throws Exception {
    Path work = Path.of("target/e2e/tracing-ca-rotation").toAbsolutePath();
    Clock clock = Clock.systemUTC();
    CertificateAuthority collectorCa =
        CertificateAuthority.create("collector-ca", Duration.ofHours(1), clock);
    CertificateAuthority retiredCa =
        CertificateAuthority.create("retired-ca", Duration.ofHours(1), clock);
    Path caDirectory = work.resolve("otlp-ca");
    deleteRecursively(caDirectory);
    writeLikeASecretVolume(
        caDirectory, Map.of("ca.crt", IssuedCertificate.pem(retiredCa.certificate())), "1");
    try (OtelCollector collector = TracingIT.tlsCollector(work, collectorCa);
        TollgateRun traced = gateway(work, collector, caDirectory.resolve("ca.crt"))) {
      assertRefused(traced, collector, "cluster.tollgate_otlp.ssl.fail_verify_error");

      writeLikeASecretVolume(
          caDirectory, Map.of("ca.crt", IssuedCertificate.pem(collectorCa.certificate())), "2");
      assertSpansArrive(traced, collector, "rotating to the collector's CA");
    }
  }

  /**
   * Sends traced requests until the collector holds a span (Envoy reloads a rotated secret on the
   * swap and exports every 5 s), bounded, then checks the chat span and that no secret reached it.
   */
  static void assertSpansArrive(TollgateRun traced, OtelCollector collector, String after)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (collector.spans().isEmpty() && System.nanoTime() < deadline) {
      HttpResponse<String> response =
          traced.post("/v1/chat/completions", TracingIT.KEY, BODY, Parent.random().header());
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      TollgateRun.sleep(1000);
    }
    assertThat(collector.spans())
        .as(
            "spans after %s; Envoy's OTLP counters:\n%s\ncollector log:\n%s\ngateway log:\n%s",
            after, otlpStats(traced), collector.logText(), traced.logTail())
        .isNotEmpty();
    OtelCollector.Span span =
        collector.spans().stream()
            .filter(s -> s.name().equals("chat fast"))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no chat span in " + collector.rawText()));
    assertThat(span.attribute("gen_ai.usage.output_tokens")).isEqualTo("3");
    TracingIT.assertNoSecretIn(collector.rawText());
  }

  static void deleteRecursively(Path directory) throws IOException {
    if (!Files.exists(directory, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (var paths = Files.walk(directory)) {
      for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }
}
