package dev.tollgate.serving;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HealthServerTest {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final List<Socket> stalled = new ArrayList<>();
  private HealthServer server;

  @BeforeEach
  void start() {
    server =
        HealthServer.start(
            "127.0.0.1",
            0,
            registry,
            () -> true,
            () -> false,
            Map.of("/usage", query -> "{\"query\":\"" + query + "\"}"));
  }

  @AfterEach
  void stop() throws Exception {
    for (Socket s : stalled) {
      s.close();
    }
    server.close();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            .timeout(Duration.ofSeconds(2))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private Socket halfRequest() throws Exception {
    Socket socket = new Socket("127.0.0.1", server.port());
    OutputStream out = socket.getOutputStream();
    out.write("GET /healthz HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
    out.flush();
    stalled.add(socket);
    return socket;
  }

  @Test
  void servesProbesMetricsAndJson() throws Exception {
    assertThat(get("/healthz").statusCode()).isEqualTo(200);
    assertThat(get("/readyz").statusCode()).isEqualTo(503);
    assertThat(get("/metrics").headers().firstValue("content-type").orElseThrow())
        .startsWith("text/plain");
    HttpResponse<String> usage = get("/usage?namespace=a");
    assertThat(usage.statusCode()).isEqualTo(200);
    assertThat(usage.body()).isEqualTo("{\"query\":\"namespace=a\"}");
    assertThat(get("/nothing").statusCode()).isEqualTo(404);
  }

  @Test
  void stalledConnectionsDoNotBlockHealthz() throws Exception {
    // More half-sent requests than the server has workers, each never finished.
    for (int i = 0; i < 2 * HttpEndpoints.Limits.DEFAULTS.workers() + 2; i++) {
      halfRequest();
    }
    long begin = System.nanoTime();
    for (int i = 0; i < 5; i++) {
      assertThat(get("/healthz").statusCode()).isEqualTo(200);
    }
    assertThat(Duration.ofNanos(System.nanoTime() - begin)).isLessThan(Duration.ofSeconds(2));
  }

  @Test
  void aStalledConnectionIsClosedAfterTheRequestTimeout() throws Exception {
    try (HttpEndpoints quick =
        HttpEndpoints.start(
            "127.0.0.1",
            0,
            "test",
            Map.of(),
            new HttpEndpoints.Limits(Duration.ofMillis(300), 8192, 8, 1))) {
      try (Socket socket = new Socket("127.0.0.1", quick.port())) {
        socket.getOutputStream().write("GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
        socket.setSoTimeout(5000);
        long begin = System.nanoTime();
        InputStream in = socket.getInputStream();
        assertThat(in.read()).as("closed without an answer").isEqualTo(-1);
        assertThat(Duration.ofNanos(System.nanoTime() - begin)).isLessThan(Duration.ofSeconds(3));
      }
    }
  }

  @Test
  void refusesOtherMethodsOversizedHeadsAndGarbage() throws Exception {
    assertThat(raw("POST /healthz HTTP/1.1\r\n\r\n")).startsWith("HTTP/1.1 405");
    assertThat(raw("GET /healthz HTTP/1.1\r\nX: " + "a".repeat(9000) + "\r\n\r\n"))
        .startsWith("HTTP/1.1 431");
    assertThat(raw("hello\r\n\r\n")).startsWith("HTTP/1.1 400");
    assertThat(get("/healthz").statusCode()).isEqualTo(200);
  }

  @Test
  void connectionsBeyondTheLimitAreClosedAndTheServerRecovers() throws Exception {
    try (HttpEndpoints small =
        HttpEndpoints.start(
            "127.0.0.1",
            0,
            "test",
            Map.of("/healthz", q -> new HttpEndpoints.Response(200, "text/plain", "ok\n")),
            new HttpEndpoints.Limits(Duration.ofMillis(500), 8192, 4, 1))) {
      List<Socket> open = new ArrayList<>();
      try {
        for (int i = 0; i < 8; i++) {
          open.add(new Socket("127.0.0.1", small.port()));
        }
        Thread.sleep(1000);
        HttpResponse<String> r =
            HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + small.port() + "/healthz"))
                    .timeout(Duration.ofSeconds(2))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
      } finally {
        for (Socket s : open) {
          s.close();
        }
      }
    }
  }

  private String raw(String request) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", server.port())) {
      socket.setSoTimeout(3000);
      socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }
}
