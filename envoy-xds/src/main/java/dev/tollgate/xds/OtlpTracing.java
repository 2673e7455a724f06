package dev.tollgate.xds;

import java.nio.file.Path;

/**
 * Where Envoy sends the gateway's spans over OTLP/gRPC, how, and which share of the requests
 * without a client's trace context start a trace. A client's sampled {@code traceparent} is always
 * followed.
 *
 * @param host the collector's host name or IP address, as Envoy reaches it
 * @param port the collector's OTLP/gRPC port (4317 by convention)
 * @param samplingPercent the percentage of requests without a client's trace context that are
 *     traced, 0 to 100
 * @param serviceName the {@code service.name} of the spans' resource
 * @param tls whether Envoy speaks TLS to the collector (plaintext HTTP/2 otherwise); the
 *     collector's certificate must chain to the CA and name {@code host}
 * @param caFile the CA file, an absolute path in Envoy's file system, that the collector's
 *     certificate must chain to; null for the CA bundle Envoy validates providers against. Only
 *     with {@code tls}. Envoy watches its directory to reload it on rotation.
 * @param clientCertificateFile the PEM certificate (chain), in Envoy's file system, that Envoy
 *     presents to the collector (mutual TLS); null for none. Only with {@code tls}, and with {@code
 *     clientKeyFile} in the same directory, which Envoy watches to reload both on rotation.
 * @param clientKeyFile the PEM private key of {@code clientCertificateFile}; null for none
 */
public record OtlpTracing(
    String host,
    int port,
    double samplingPercent,
    String serviceName,
    boolean tls,
    String caFile,
    String clientCertificateFile,
    String clientKeyFile) {

  /** The OTLP/gRPC port of the OpenTelemetry Collector. */
  public static final int DEFAULT_PORT = 4317;

  /** The {@code service.name} of the gateway's spans unless one is given. */
  public static final String DEFAULT_SERVICE_NAME = "tollgate-gateway";

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
    if (serviceName == null
        || serviceName.isBlank()
        || serviceName.length() > 255
        || serviceName.chars().anyMatch(Character::isISOControl)) {
      throw new IllegalArgumentException(
          "the OTLP service name must be 1-255 printable characters, got '" + serviceName + "'");
    }
    if (caFile != null) {
      if (!tls) {
        throw new IllegalArgumentException(
            "an OTLP CA file goes with TLS: write the endpoint https://HOST:PORT");
      }
      absolute(caFile, "CA file");
    }
    if ((clientCertificateFile == null) != (clientKeyFile == null)) {
      throw new IllegalArgumentException(
          "an OTLP client certificate goes with its key: give both files or neither");
    }
    if (clientCertificateFile != null) {
      if (!tls) {
        throw new IllegalArgumentException(
            "an OTLP client certificate goes with TLS: write the endpoint https://HOST:PORT");
      }
      Path certificate = absolute(clientCertificateFile, "client certificate");
      Path key = absolute(clientKeyFile, "client key");
      if (!certificate.getParent().equals(key.getParent())) {
        throw new IllegalArgumentException(
            "the OTLP client certificate and key must be in the same directory, which Envoy"
                + " watches for rotation; got "
                + certificate
                + " and "
                + key);
      }
    }
  }

  /** Settings without a client certificate. */
  public OtlpTracing(
      String host,
      int port,
      double samplingPercent,
      String serviceName,
      boolean tls,
      String caFile) {
    this(host, port, samplingPercent, serviceName, tls, caFile, null, null);
  }

  /** Plaintext OTLP/gRPC with the default service name. */
  public OtlpTracing(String host, int port, double samplingPercent) {
    this(host, port, samplingPercent, DEFAULT_SERVICE_NAME, false, null, null, null);
  }

  /** Whether Envoy presents a client certificate to the collector. */
  public boolean mutualTls() {
    return clientCertificateFile != null;
  }

  /** The directory of the client certificate and key, which Envoy watches; null without them. */
  public String clientCertificateDirectory() {
    return mutualTls() ? Path.of(clientCertificateFile).getParent().toString() : null;
  }

  /** The directory of the CA file, which Envoy watches; null without one. */
  public String caDirectory() {
    return caFile == null ? null : Path.of(caFile).normalize().getParent().toString();
  }

  private static Path absolute(String file, String what) {
    Path path = file.isBlank() ? null : Path.of(file).normalize();
    if (path == null || !path.isAbsolute() || path.getParent() == null) {
      throw new IllegalArgumentException(
          "the OTLP " + what + " must be an absolute file path, got '" + file + "'");
    }
    return path;
  }

  /** {@link #parse(String, double, String, String)} with the default service name, no CA file. */
  public static OtlpTracing parse(String endpoint, double samplingPercent) {
    return parse(endpoint, samplingPercent, null, null);
  }

  /**
   * {@link #parse(String, double, String, String, String, String)} without a client certificate.
   */
  public static OtlpTracing parse(
      String endpoint, double samplingPercent, String serviceName, String caFile) {
    return parse(endpoint, samplingPercent, serviceName, caFile, null, null);
  }

  /**
   * Reads an endpoint written {@code HOST:PORT}, {@code HOST} (port 4317) or {@code [IPV6]:PORT},
   * as OpenTelemetry SDKs write it: an {@code http://} prefix means plaintext, as no prefix does;
   * {@code https://} means TLS.
   *
   * @param serviceName the spans' {@code service.name}, null or blank for {@link
   *     #DEFAULT_SERVICE_NAME}
   * @param caFile the CA the collector's certificate must chain to, null or blank for the CA bundle
   *     (only with {@code https://})
   * @param clientCertificateFile the certificate Envoy presents to the collector, null or blank for
   *     none (only with {@code https://} and {@code clientKeyFile})
   * @param clientKeyFile the key of {@code clientCertificateFile}, null or blank for none
   * @return the tracing settings, or null when {@code endpoint} is null or blank (tracing off)
   */
  public static OtlpTracing parse(
      String endpoint,
      double samplingPercent,
      String serviceName,
      String caFile,
      String clientCertificateFile,
      String clientKeyFile) {
    if (endpoint == null || endpoint.isBlank()) {
      return null;
    }
    String rest = endpoint.strip();
    boolean tls = false;
    if (rest.startsWith("https://")) {
      tls = true;
      rest = rest.substring("https://".length());
    } else if (rest.startsWith("http://")) {
      rest = rest.substring("http://".length());
    }
    String ca = caFile == null || caFile.isBlank() ? null : caFile.strip();
    if (ca != null && !tls) {
      throw new IllegalArgumentException(
          "a CA file was given for the plaintext OTLP endpoint '"
              + endpoint
              + "'; write it https://HOST:PORT for TLS");
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
    String service =
        serviceName == null || serviceName.isBlank() ? DEFAULT_SERVICE_NAME : serviceName.strip();
    return new OtlpTracing(
        host,
        port,
        samplingPercent,
        service,
        tls,
        ca,
        blankToNull(clientCertificateFile),
        blankToNull(clientKeyFile));
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value.strip();
  }
}
