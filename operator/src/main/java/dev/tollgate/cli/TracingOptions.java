package dev.tollgate.cli;

import dev.tollgate.xds.OtlpTracing;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * The flags that send the gateway listener's spans to an OpenTelemetry collector, shared by the
 * operator and {@code tollgate run}. Without {@code --otlp-endpoint} Envoy traces nothing.
 */
public final class TracingOptions {
  @Option(
      names = "--otlp-endpoint",
      description =
          "OTLP/gRPC endpoint that Envoy sends one span per gateway request to, with the GenAI"
              + " attributes (operation, provider, models, token usage): HOST:PORT or"
              + " http://HOST:PORT for plaintext, https://HOST:PORT for TLS; a client's W3C"
              + " traceparent makes it the parent. Default: none (no tracing).")
  String endpoint;

  @Option(
      names = "--trace-sampling-percent",
      defaultValue = "100",
      description =
          "Percentage of requests without a client's trace context that start a trace; a"
              + " client's sampled traceparent is always followed. Default: ${DEFAULT-VALUE}.")
  double samplingPercent;

  @Option(
      names = "--otlp-service-name",
      defaultValue = OtlpTracing.DEFAULT_SERVICE_NAME,
      description = "The service.name of the gateway's spans. Default: ${DEFAULT-VALUE}.")
  String serviceName;

  @Option(
      names = "--otlp-ca-file",
      paramLabel = "PATH",
      description =
          "With an https:// --otlp-endpoint: the CA file (PEM, an absolute path Envoy can"
              + " read) the collector's certificate must chain to. Envoy watches its directory:"
              + " a CA replaced there applies without a restart. Default: the CA bundle Envoy"
              + " checks providers against, read when the cluster loads.")
  String caFile;

  @Option(
      names = "--otlp-client-cert-file",
      paramLabel = "PATH",
      description =
          "With an https:// --otlp-endpoint: the certificate (PEM chain, an absolute path Envoy"
              + " can read) Envoy presents to the collector, for a collector that requires"
              + " client certificates. Needs --otlp-client-key-file in the same directory,"
              + " which Envoy watches: a rotated certificate applies without a restart."
              + " Default: none.")
  String clientCertificateFile;

  @Option(
      names = "--otlp-client-key-file",
      paramLabel = "PATH",
      description =
          "The private key (PEM, an absolute path Envoy can read) of --otlp-client-cert-file."
              + " Default: none.")
  String clientKeyFile;

  /** The tracing settings, null when no endpoint is given, or a usage error naming the flag. */
  public OtlpTracing tracing(CommandLine commandLine) {
    try {
      if (endpoint == null || endpoint.isBlank()) {
        if (caFile != null || clientCertificateFile != null || clientKeyFile != null) {
          throw new IllegalArgumentException(
              "--otlp-ca-file, --otlp-client-cert-file and --otlp-client-key-file need an"
                  + " https:// --otlp-endpoint");
        }
        return null;
      }
      return OtlpTracing.parse(
          endpoint, samplingPercent, serviceName, caFile, clientCertificateFile, clientKeyFile);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(commandLine, "--otlp-endpoint: " + e.getMessage());
    }
  }
}
