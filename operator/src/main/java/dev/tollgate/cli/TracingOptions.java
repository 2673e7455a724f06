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
          "OTLP/gRPC endpoint (HOST:PORT, plaintext) that Envoy sends one span per gateway request"
              + " to, with the GenAI attributes (operation, provider, models, token usage);"
              + " a client's W3C traceparent makes it the parent. Default: none (no tracing).")
  String endpoint;

  @Option(
      names = "--trace-sampling-percent",
      defaultValue = "100",
      description =
          "Percentage of requests without a client's trace context that start a trace; a"
              + " client's sampled traceparent is always followed. Default: ${DEFAULT-VALUE}.")
  double samplingPercent;

  /** The tracing settings, null when no endpoint is given, or a usage error naming the flag. */
  public OtlpTracing tracing(CommandLine commandLine) {
    try {
      return OtlpTracing.parse(endpoint, samplingPercent);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(commandLine, "--otlp-endpoint: " + e.getMessage());
    }
  }
}
