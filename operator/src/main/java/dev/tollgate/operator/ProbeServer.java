package dev.tollgate.operator;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

/**
 * The operator's HTTP endpoints for the kubelet and Prometheus: {@code /healthz} (liveness: every
 * informer is watching), {@code /readyz} (readiness: the first model is published and the operator
 * is not shutting down) and {@code /metrics}.
 *
 * <p>Thread-safe.
 */
final class ProbeServer implements AutoCloseable {
  private final HttpServer server;

  private ProbeServer(HttpServer server) {
    this.server = server;
  }

  /** Starts the server; port 0 picks a free port. */
  static ProbeServer start(
      String host,
      int port,
      PrometheusMeterRegistry registry,
      BooleanSupplier live,
      BooleanSupplier ready) {
    try {
      HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 16);
      server.createContext("/healthz", exchange -> probe(exchange, live));
      server.createContext("/readyz", exchange -> probe(exchange, ready));
      server.createContext(
          "/metrics",
          exchange ->
              reply(exchange, 200, registry.scrape(), "text/plain; version=0.0.4; charset=utf-8"));
      server.setExecutor(
          Executors.newSingleThreadExecutor(
              r -> {
                Thread t = new Thread(r, "tollgate-probes");
                t.setDaemon(true);
                return t;
              }));
      server.start();
      return new ProbeServer(server);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen for probes on " + host + ":" + port, e);
    }
  }

  /** Returns the port. */
  int port() {
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
