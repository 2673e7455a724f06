package dev.tollgate.xds;

/**
 * Where Envoy sends the gateway's spans, over OTLP/gRPC (plaintext HTTP/2), and which share of the
 * requests without a client's trace context start a trace. A client's sampled {@code traceparent}
 * is always followed.
 *
 * @param host the collector's host name or IP address, as Envoy reaches it
 * @param port the collector's OTLP/gRPC port (4317 by convention)
 * @param samplingPercent the percentage of requests without a client's trace context that are
 *     traced, 0 to 100
 */
public record OtlpTracing(String host, int port, double samplingPercent) {

  /** The OTLP/gRPC port of the OpenTelemetry Collector. */
  public static final int DEFAULT_PORT = 4317;

  /** Checks the values. */
  public OtlpTracing {
    if (host == null || host.isBlank() || host.contains("/")) {
      throw new IllegalArgumentException(
          "the OTLP endpoint's host must be a host name or IP address, got '" + host + "'");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("the OTLP endpoint's port must be 1-65535, got " + port);
    }
    if (!(samplingPercent >= 0 && samplingPercent <= 100)) {
      throw new IllegalArgumentException(
          "the trace sampling percentage must be 0-100, got " + samplingPercent);
    }
  }

  /**
   * Reads an endpoint written {@code HOST:PORT}, {@code HOST} (port 4317) or {@code [IPV6]:PORT};
   * an {@code http://} prefix, as OpenTelemetry SDKs write the endpoint, is accepted and dropped.
   *
   * @return the tracing settings, or null when {@code endpoint} is null or blank (tracing off)
   */
  public static OtlpTracing parse(String endpoint, double samplingPercent) {
    if (endpoint == null || endpoint.isBlank()) {
      return null;
    }
    String rest = endpoint.strip();
    if (rest.startsWith("https://")) {
      throw new IllegalArgumentException(
          "the OTLP endpoint '"
              + endpoint
              + "' asks for TLS, which Tollgate does not set up yet;"
              + " give the collector's plaintext OTLP/gRPC HOST:PORT");
    }
    if (rest.startsWith("http://")) {
      rest = rest.substring("http://".length());
    }
    if (rest.endsWith("/")) {
      rest = rest.substring(0, rest.length() - 1);
    }
    if (rest.contains("/")) {
      throw new IllegalArgumentException(
          "the OTLP endpoint '"
              + endpoint
              + "' has a path; OTLP/gRPC takes only the collector's"
              + " host and port, e.g. otel-collector:4317");
    }
    String host = rest;
    int port = DEFAULT_PORT;
    int colon = rest.lastIndexOf(':');
    boolean bracketed = rest.startsWith("[");
    if (colon > 0 && (!bracketed || rest.lastIndexOf(']') < colon)) {
      host = rest.substring(0, colon);
      try {
        port = Integer.parseInt(rest.substring(colon + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "the OTLP endpoint '" + endpoint + "' must be HOST:PORT, e.g. otel-collector:4317");
      }
    }
    if (bracketed) {
      host = host.substring(1, host.length() - 1);
    }
    return new OtlpTracing(host, port, samplingPercent);
  }
}
