package dev.tollgate.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Tracing in the chart: {@code tracing.otlpEndpoint} becomes the operator's {@code --otlp-endpoint}
 * (the operator puts the tracer into Envoy's listener); without it nothing is traced.
 */
class TracingChartIT {

  private static List<String> operatorArgs(List<String> values) {
    for (JsonNode object : Manifests.parse(ChartIT.render(values))) {
      if (object.path("kind").asText().equals("Deployment")
          && object.path("metadata").path("name").asText().endsWith("-operator")) {
        List<String> args = new ArrayList<>();
        object.at("/spec/template/spec/containers/0/args").forEach(a -> args.add(a.asText()));
        return args;
      }
    }
    throw new AssertionError("no operator Deployment rendered with " + values);
  }

  @Test
  void withoutAnEndpointNothingIsTraced() {
    assertThat(operatorArgs(List.of()))
        .noneMatch(a -> a.startsWith("--otlp-endpoint") || a.startsWith("--trace-sampling"));
  }

  @Test
  void theEndpointAndSamplingReachTheOperator() {
    assertThat(
            operatorArgs(
                List.of(
                    "--set", "tracing.otlpEndpoint=otel-collector.observability.svc:4317",
                    "--set-json", "tracing.samplingPercent=12.5")))
        .contains(
            "--otlp-endpoint=otel-collector.observability.svc:4317",
            "--trace-sampling-percent=12.5");
  }

  @Test
  void anEndpointWithAPathIsRefusedNamingTheValue() {
    Tools.Result result =
        ChartIT.helm(
            List.of(
                "template",
                "tollgate",
                ChartIT.CHART.toString(),
                "--set",
                "tracing.otlpEndpoint=http://collector:4318/v1/traces"));
    assertThat(result.exitCode()).isNotZero();
    assertThat(result.stderr()).contains("otlpEndpoint");
  }
}
