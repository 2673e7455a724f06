package dev.tollgate.serving;

import dev.tollgate.serving.HttpEndpoints.Endpoint;
import dev.tollgate.serving.HttpEndpoints.Response;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * The HTTP endpoints every Tollgate role serves for the kubelet and Prometheus: {@code /healthz}
 * (liveness), {@code /readyz} (readiness), {@code /metrics} (Prometheus text format), plus any JSON
 * endpoints the role adds (e.g. {@code /usage} of {@code tollgate run}). A check that throws counts
 * as failing. Served by {@link HttpEndpoints}, so a stalled client never blocks a probe.
 * Thread-safe.
 */
public final class HealthServer implements AutoCloseable {
  private final HttpEndpoints server;

  private HealthServer(HttpEndpoints server) {
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
    return start(host, port, registry, live, ready, json, Map.of());
  }

  /** Starts the server with {@code json} endpoints and {@code others} that set their own status. */
  public static HealthServer start(
      String host,
      int port,
      PrometheusMeterRegistry registry,
      BooleanSupplier live,
      BooleanSupplier ready,
      Map<String, Function<String, String>> json,
      Map<String, Endpoint> others) {
    Map<String, Endpoint> endpoints = new TreeMap<>(jsonEndpoints(json));
    endpoints.putAll(others);
    endpoints.put("/healthz", query -> probe(live));
    endpoints.put("/readyz", query -> probe(ready));
    endpoints.put(
        "/metrics",
        query -> new Response(200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape()));
    return new HealthServer(HttpEndpoints.start(host, port, "tollgate-health", endpoints));
  }

  /**
   * Starts a server of JSON endpoints only, e.g. the roles' {@code /usage} on a port of its own
   * that the NetworkPolicy opens to the operator alone; port 0 picks a free port.
   */
  public static HealthServer json(
      String host, int port, String name, Map<String, Function<String, String>> json) {
    return new HealthServer(HttpEndpoints.start(host, port, name, jsonEndpoints(json)));
  }

  private static Map<String, Endpoint> jsonEndpoints(Map<String, Function<String, String>> json) {
    Map<String, Endpoint> endpoints = new TreeMap<>();
    json.forEach(
        (path, body) ->
            endpoints.put(path, query -> new Response(200, "application/json", body.apply(query))));
    return endpoints;
  }

  /** Returns the port. */
  public int port() {
    return server.port();
  }

  private static Response probe(BooleanSupplier check) {
    boolean ok;
    try {
      ok = check.getAsBoolean();
    } catch (RuntimeException e) {
      ok = false;
    }
    return new Response(ok ? 200 : 503, "text/plain", ok ? "ok\n" : "not ok\n");
  }

  @Override
  public void close() {
    server.close();
  }
}
