package dev.tollgate.run;

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
 * Serves {@code /healthz} (the process is up), {@code /readyz} (configuration is published and the
 * data plane answers) and {@code /metrics} (Prometheus text format). Thread-safe.
 */
public final class HealthServer implements AutoCloseable {
  private final HttpServer server;

  private HealthServer(HttpServer server) {
    this.server = server;
  }

  /** Starts the server; port 0 picks a free port. */
  public static HealthServer start(
      String host,
      int port,
      PrometheusMeterRegistry registry,
      BooleanSupplier ready,
      java.util.function.Supplier<String> usageJson) {
    try {
      HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 64);
      server.createContext("/healthz", exchange -> reply(exchange, 200, "ok\n", "text/plain"));
      server.createContext(
          "/readyz",
          exchange -> {
            boolean isReady = ready.getAsBoolean();
            reply(exchange, isReady ? 200 : 503, isReady ? "ready\n" : "not ready\n", "text/plain");
          });
      server.createContext(
          "/metrics",
          exchange ->
              reply(exchange, 200, registry.scrape(), "text/plain; version=0.0.4; charset=utf-8"));
      server.createContext(
          "/usage", exchange -> reply(exchange, 200, usageJson.get(), "application/json"));
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
