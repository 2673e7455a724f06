package dev.tollgate.serving;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * The HTTP endpoints every Tollgate role serves for the kubelet and Prometheus: {@code /healthz}
 * (liveness), {@code /readyz} (readiness), {@code /metrics} (Prometheus text format), plus any JSON
 * endpoints the role adds (e.g. {@code /usage} of {@code tollgate run}). A check that throws counts
 * as failing. Thread-safe.
 */
public final class HealthServer implements AutoCloseable {
  private final HttpServer server;

  private HealthServer(HttpServer server) {
    this.server = server;
  }

  /**
   * Starts the server; port 0 picks a free port.
   *
   * @param live whether the process works (liveness)
   * @param ready whether it should receive traffic (readiness)
   * @param json extra endpoints by path, each answering the JSON its function renders from the
   *     request's raw query string ({@code null} when there is none)
   */
  public static HealthServer start(
      String host,
      int port,
      PrometheusMeterRegistry registry,
      BooleanSupplier live,
      BooleanSupplier ready,
      Map<String, Function<String, String>> json) {
    try {
      HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 64);
      server.createContext("/healthz", exchange -> probe(exchange, live));
      server.createContext("/readyz", exchange -> probe(exchange, ready));
      server.createContext(
          "/metrics",
          exchange ->
              reply(exchange, 200, registry.scrape(), "text/plain; version=0.0.4; charset=utf-8"));
      json.forEach(
          (path, body) ->
              server.createContext(
                  path,
                  exchange ->
                      reply(
                          exchange,
                          200,
                          body.apply(exchange.getRequestURI().getRawQuery()),
                          "application/json")));
      server.setExecutor(
          Executors.newSingleThreadExecutor(
              r -> {
                Thread t = new Thread(r, "tollgate-health");
                t.setDaemon(true);
                return t;
              }));
      server.start();
      return new HealthServer(server);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the health server on " + host + ":" + port, e);
    }
  }

  /** Returns the port. */
  public int port() {
    return server.getAddress().getPort();
  }

  private static void probe(HttpExchange exchange, BooleanSupplier check) throws IOException {
    boolean ok;
    try {
      ok = check.getAsBoolean();
    } catch (RuntimeException e) {
      ok = false;
    }
    reply(exchange, ok ? 200 : 503, ok ? "ok\n" : "not ok\n", "text/plain");
  }

  private static void reply(HttpExchange exchange, int status, String body, String type)
      throws IOException {
    try (exchange) {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("content-type", type);
      exchange.sendResponseHeaders(status, bytes.length);
      exchange.getResponseBody().write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
