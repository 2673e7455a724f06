package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.testkit.Ports;
import dev.tollgate.tls.CertificateAuthority;
import dev.tollgate.tls.IssuedCertificate;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The gateway's spans through {@code tollgate run --otlp-endpoint} and a real Envoy, received by a
 * real OpenTelemetry Collector: each chat call, JSON or stream, sent with a W3C {@code
 * traceparent}, gives one server span in the client's trace, a child of the client's span, with the
 * GenAI attributes of what was served and the usage that was committed; no key is ever in a span.
 */
class TracingIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String KEY = "tg-e2e-trace-key-0001";
  static final String PROVIDER_KEY = "demo-upstream-secret-key";
  static final SecureRandom RANDOM = new SecureRandom();

  static OtelCollector collector;
  static TollgateRun gateway;

  @BeforeAll
  static void start() throws Exception {
    Path work = Path.of("target/e2e/tracing").toAbsolutePath();
    collector = OtelCollector.start(work.resolve("otelcol"));
    gateway = TollgateRun.start("tracing", work, Map.of(), "--otlp-endpoint", collector.endpoint());
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.close();
    }
    if (collector != null) {
      collector.close();
    }
  }

  /** A client's trace context: trace id, span id, sampled. */
  record Parent(String traceId, String spanId) {
    static Parent random() {
      HexFormat hex = HexFormat.of();
      byte[] trace = new byte[16];
      byte[] span = new byte[8];
      RANDOM.nextBytes(trace);
      RANDOM.nextBytes(span);
      return new Parent(hex.formatHex(trace), hex.formatHex(span));
    }

    Map<String, String> header() {
      return Map.of("traceparent", "00-" + traceId + "-" + spanId + "-01");
    }
  }

  /** Waits for the gateway's server span that is a child of {@code parent}. */
  static OtelCollector.Span serverSpan(Parent parent) {
    return serverSpan(collector, gateway, parent);
  }

  /** Waits for the server span, a child of {@code parent}, that {@code collector} received. */
  static OtelCollector.Span serverSpan(
      OtelCollector collector, TollgateRun gateway, Parent parent) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      Optional<OtelCollector.Span> found =
          collector.spans().stream()
              .filter(s -> s.traceId().equals(parent.traceId()))
              .filter(s -> s.parentSpanId().equals(parent.spanId()))
              .findFirst();
      if (found.isPresent()) {
        return found.get();
      }
      TollgateRun.sleep(250);
    }
    List<String> traces = collector.spans().stream().map(OtelCollector.Span::traceId).toList();
    throw new AssertionError(
        "no span of trace "
            + parent.traceId()
            + " with parent "
            + parent.spanId()
            + " within 60 s; traces received: "
            + traces
            + "\ncollector log:\n"
            + collector.logText()
            + "\ngateway log:\n"
            + gateway.logTail());
  }

  static void assertNoSecretIn(String spans) {
    assertThat(spans).as("spans received").isNotEmpty();
    assertThat(spans).doesNotContain(KEY).doesNotContain(PROVIDER_KEY).doesNotContain("Bearer");
  }

  @Test
  void aJsonChatCallIsAServerSpanInTheClientsTraceWithItsGenAiAttributes() throws Exception {
    Parent parent = Parent.random();
    HttpResponse<String> response =
        gateway.post(
            "/v1/chat/completions",
            KEY,
            "{\"model\":\"azure-chat\",\"max_tokens\":5,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi there\"}]}",
            parent.header());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode answer = JSON.readTree(response.body());

    OtelCollector.Span span = serverSpan(parent);
    assertThat(span.serviceName()).isEqualTo("tollgate-gateway");
    assertThat(span.name()).as("{operation} {request model}").isEqualTo("chat azure-chat");
    assertThat(span.kind()).as("span kind SERVER").isEqualTo(2);
    assertThat(span.spanId()).isNotEqualTo(parent.spanId());
    assertThat(span.attribute("gen_ai.operation.name")).isEqualTo("chat");
    assertThat(span.attribute("gen_ai.provider.name")).isEqualTo("azure.ai.openai");
    assertThat(span.attribute("gen_ai.system")).isEqualTo("azure.ai.openai");
    assertThat(span.attribute("gen_ai.request.model")).isEqualTo("azure-chat");
    assertThat(span.attribute("gen_ai.response.model"))
        .isEqualTo(answer.path("model").asText())
        .isNotEmpty();
    assertThat(span.attribute("gen_ai.usage.input_tokens"))
        .isEqualTo(answer.path("usage").path("prompt_tokens").asText());
    assertThat(span.attribute("gen_ai.usage.output_tokens"))
        .isEqualTo(answer.path("usage").path("completion_tokens").asText())
        .isEqualTo("5");
    assertThat(span.attribute("tollgate.namespace")).isEqualTo("e2e");
    assertThat(span.attribute("tollgate.client")).isEqualTo("alice");
    assertThat(span.attribute("tollgate.provider")).isEqualTo("e2e/demo-azure");
    assertNoSecretIn(collector.rawText());
  }

  @Test
  void aStreamsSpanCarriesTheUsageItsLastChunkReported() throws Exception {
    Parent parent = Parent.random();
    HttpResponse<String> response =
        gateway.post(
            "/v1/chat/completions",
            KEY,
            "{\"model\":\"fast\",\"stream\":true,\"max_tokens\":6,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}",
            parent.header());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode usage = null;
    String model = null;
    for (String line : response.body().split("\n")) {
      if (line.startsWith("data: {")) {
        JsonNode chunk = JSON.readTree(line.substring("data: ".length()));
        model = model == null ? chunk.path("model").asText(null) : model;
        if (chunk.path("usage").isObject()) {
          usage = chunk.path("usage");
        }
      }
    }
    assertThat(usage).as("the stream's usage chunk:\n%s", response.body()).isNotNull();

    OtelCollector.Span span = serverSpan(parent);
    assertThat(span.kind()).isEqualTo(2);
    assertThat(span.name()).isEqualTo("chat fast");
    assertThat(span.attribute("gen_ai.operation.name")).isEqualTo("chat");
    assertThat(span.attribute("gen_ai.provider.name")).isEqualTo("openai_compatible");
    assertThat(span.attribute("gen_ai.request.model")).isEqualTo("fast");
    assertThat(span.attribute("gen_ai.response.model")).isEqualTo(model).isEqualTo("demo-chat");
    assertThat(span.attribute("gen_ai.usage.input_tokens"))
        .isEqualTo(usage.path("prompt_tokens").asText());
    assertThat(span.attribute("gen_ai.usage.output_tokens"))
        .isEqualTo(usage.path("completion_tokens").asText())
        .isEqualTo("6");
    assertNoSecretIn(collector.rawText());
  }

  @Test
  void aRequestRefusedBeforeItsModelIsKnownHasASpanToo() {
    Parent parent = Parent.random();
    HttpResponse<String> response =
        gateway.post(
            "/v1/chat/completions",
            "tg-not-a-key",
            "{\"model\":\"fast\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}",
            parent.header());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(401);
    OtelCollector.Span span = serverSpan(parent);
    assertThat(span.attribute("gen_ai.request.model")).isNull();
    assertThat(span.attribute("http.status_code")).isEqualTo("401");
    // Envoy's format strings have no fallback: with neither operation nor model the name is
    // blank (docs/observability.md).
    assertThat(span.name()).isBlank();
  }

  /** A collector serving TLS with a certificate for 127.0.0.1 from {@code issuer}. */
  static OtelCollector tlsCollector(Path work, CertificateAuthority issuer) throws IOException {
    IssuedCertificate served =
        issuer.issueServer("otel-collector", List.of(), List.of("127.0.0.1"), Duration.ofHours(1));
    Files.createDirectories(work);
    Path certificate = Files.writeString(work.resolve("collector.crt"), served.certificatePem());
    Path key = Files.writeString(work.resolve("collector.key"), served.keyPem());
    return OtelCollector.start(work.resolve("otelcol"), certificate, key);
  }

  static Path caFile(Path work, CertificateAuthority ca) throws IOException {
    Files.createDirectories(work);
    return Files.writeString(
        work.resolve("collector-ca.crt"), IssuedCertificate.pem(ca.certificate()));
  }

  /** Over TLS, with the CA of the collector's certificate, spans arrive under the given name. */
  @Test
  void spansReachACollectorOverTlsUnderTheServiceNameGiven() throws Exception {
    Path work = Path.of("target/e2e/tracing-tls").toAbsolutePath();
    CertificateAuthority ca =
        CertificateAuthority.create(
            "tracing-it-collector-ca", Duration.ofHours(1), Clock.systemUTC());
    try (OtelCollector secure = tlsCollector(work, ca);
        TollgateRun traced =
            TollgateRun.start(
                "tracing",
                work,
                Map.of(),
                "--otlp-endpoint",
                "https://" + secure.endpoint(),
                "--otlp-ca-file",
                caFile(work, ca).toString(),
                "--otlp-service-name",
                "gateway-tls")) {
      Parent parent = Parent.random();
      HttpResponse<String> response =
          traced.post(
              "/v1/chat/completions",
              KEY,
              "{\"model\":\"fast\",\"max_tokens\":4,"
                  + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}",
              parent.header());
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      OtelCollector.Span span = serverSpan(secure, traced, parent);
      assertThat(span.serviceName()).isEqualTo("gateway-tls");
      assertThat(span.name()).isEqualTo("chat fast");
      assertThat(span.attribute("gen_ai.usage.output_tokens")).isEqualTo("4");
      assertNoSecretIn(secure.rawText());
    }
  }

  /**
   * A collector whose certificate does not chain to the CA given gets no span: Envoy refuses it.
   */
  @Test
  void aCollectorWithACertificateFromAnotherCaGetsNothing() throws Exception {
    Path work = Path.of("target/e2e/tracing-tls-untrusted").toAbsolutePath();
    Clock clock = Clock.systemUTC();
    CertificateAuthority served =
        CertificateAuthority.create("other-ca", Duration.ofHours(1), clock);
    CertificateAuthority trusted =
        CertificateAuthority.create("trusted-ca", Duration.ofHours(1), clock);
    try (OtelCollector impostor = tlsCollector(work, served);
        TollgateRun traced =
            TollgateRun.start(
                "tracing",
                work,
                Map.of(),
                "--otlp-endpoint",
                "https://" + impostor.endpoint(),
                "--otlp-ca-file",
                caFile(work, trusted).toString())) {
      String body =
          "{\"model\":\"fast\",\"max_tokens\":3,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
      // Envoy exports every 5 s; keep sending until it has tried, bounded.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      long refused = 0;
      while (refused == 0 && System.nanoTime() < deadline) {
        HttpResponse<String> response =
            traced.post("/v1/chat/completions", KEY, body, Parent.random().header());
        assertThat(response.statusCode()).as("tracing never fails a request").isEqualTo(200);
        refused = stat(traced, "cluster.tollgate_otlp.ssl.fail_verify_error");
        TollgateRun.sleep(500);
      }
      assertThat(refused)
          .as("Envoy's TLS verify failures towards the collector:\n%s", traced.logTail())
          .isPositive();
      assertThat(impostor.spans()).as("spans the impostor received").isEmpty();
    }
  }

  /** An Envoy counter, 0 when absent. */
  static long stat(TollgateRun run, String name) throws Exception {
    HttpResponse<String> stats =
        TollgateRun.HTTP.send(
            HttpRequest.newBuilder(URI.create(run.envoyAdminUrl() + "/stats?filter=" + name))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    for (String line : stats.body().split("\n")) {
      if (line.startsWith(name + ": ")) {
        return Long.parseLong(line.substring(name.length() + 2).strip());
      }
    }
    return 0;
  }

  /** Spans are sent off the request path: a collector nobody listens for costs no request. */
  @Test
  void aCollectorThatIsDownCostsNoRequest() {
    String nobody = "127.0.0.1:" + Ports.free();
    try (TollgateRun lonely =
        TollgateRun.start(
            "tracing",
            Path.of("target/e2e/tracing-collector-down").toAbsolutePath(),
            Map.of(),
            "--otlp-endpoint",
            nobody)) {
      for (String body :
          List.of(
              "{\"model\":\"fast\",\"max_tokens\":3,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}",
              "{\"model\":\"fast\",\"stream\":true,\"max_tokens\":3,"
                  + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}")) {
        HttpResponse<String> response =
            lonely.post("/v1/chat/completions", KEY, body, Parent.random().header());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.body()).containsPattern("\"completion_tokens\":\\s*3");
      }
    }
  }
}
