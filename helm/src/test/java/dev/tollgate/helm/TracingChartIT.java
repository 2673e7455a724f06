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

  private static JsonNode deployment(List<String> values, String suffix) {
    for (JsonNode object : Manifests.parse(ChartIT.render(values))) {
      if (object.path("kind").asText().equals("Deployment")
          && object.path("metadata").path("name").asText().endsWith(suffix)) {
        return object;
      }
    }
    throw new AssertionError("no " + suffix + " Deployment rendered with " + values);
  }

  private static List<String> operatorArgs(List<String> values) {
    List<String> args = new ArrayList<>();
    deployment(values, "-operator")
        .at("/spec/template/spec/containers/0/args")
        .forEach(a -> args.add(a.asText()));
    return args;
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
  void theServiceNameReachesTheOperatorWithItsDefault() {
    List<String> endpoint = List.of("--set", "tracing.otlpEndpoint=collector:4317");
    assertThat(operatorArgs(endpoint)).contains("--otlp-service-name=tollgate-gateway");
    List<String> named = new ArrayList<>(endpoint);
    named.addAll(List.of("--set", "tracing.serviceName=gateway-eu"));
    assertThat(operatorArgs(named)).contains("--otlp-service-name=gateway-eu");
  }

  @Test
  void aTlsCollectorsCaIsMountedIntoEnvoyAndNamedToTheOperator() {
    List<String> values =
        List.of(
            "--set", "tracing.otlpEndpoint=https://otel-collector.observability.svc:4317",
            "--set", "tracing.caSecret.name=otel-ca",
            "--set", "tracing.caSecret.key=root.pem");
    assertThat(operatorArgs(values))
        .contains(
            "--otlp-endpoint=https://otel-collector.observability.svc:4317",
            "--otlp-ca-file=/etc/tollgate/otlp-ca/ca.crt");
    JsonNode pod = deployment(values, "-envoy").at("/spec/template/spec");
    JsonNode volume = null;
    for (JsonNode v : pod.path("volumes")) {
      if (v.path("name").asText().equals("otlp-ca")) {
        volume = v;
      }
    }
    assertThat(volume).as("the otlp-ca volume").isNotNull();
    assertThat(volume.at("/secret/secretName").asText()).isEqualTo("otel-ca");
    assertThat(volume.at("/secret/items/0/key").asText()).isEqualTo("root.pem");
    assertThat(volume.at("/secret/items/0/path").asText()).isEqualTo("ca.crt");
    List<String> mounts = new ArrayList<>();
    pod.at("/containers/0/volumeMounts")
        .forEach(m -> mounts.add(m.path("name").asText() + "=" + m.path("mountPath").asText()));
    assertThat(mounts).contains("otlp-ca=/etc/tollgate/otlp-ca");
    // Without a CA Secret, https uses the image's CA bundle and mounts nothing.
    List<String> bundle =
        List.of("--set", "tracing.otlpEndpoint=https://otel-collector.observability.svc:4317");
    assertThat(operatorArgs(bundle)).noneMatch(a -> a.startsWith("--otlp-ca-file"));
    assertThat(deployment(bundle, "-envoy").at("/spec/template/spec/volumes").toString())
        .doesNotContain("otlp-ca");
  }

  @Test
  void aClientCertificateSecretIsMountedIntoEnvoyAndNamedToTheOperator() {
    List<String> values =
        List.of(
            "--set", "tracing.otlpEndpoint=https://otel-collector.observability.svc:4317",
            "--set", "tracing.clientCertificateSecret.name=gateway-otlp-client");
    assertThat(operatorArgs(values))
        .contains(
            "--otlp-client-cert-file=/etc/tollgate/otlp-client/tls.crt",
            "--otlp-client-key-file=/etc/tollgate/otlp-client/tls.key");
    JsonNode pod = deployment(values, "-envoy").at("/spec/template/spec");
    JsonNode volume = null;
    for (JsonNode v : pod.path("volumes")) {
      if (v.path("name").asText().equals("otlp-client")) {
        volume = v;
      }
    }
    assertThat(volume).as("the otlp-client volume").isNotNull();
    assertThat(volume.at("/secret/secretName").asText()).isEqualTo("gateway-otlp-client");
    assertThat(volume.at("/secret/items").isMissingNode())
        .as("the whole Secret is mounted, so Kubernetes swaps its files and Envoy sees it")
        .isTrue();
    List<String> mounts = new ArrayList<>();
    pod.at("/containers/0/volumeMounts")
        .forEach(
            m ->
                mounts.add(
                    m.path("name").asText()
                        + "="
                        + m.path("mountPath").asText()
                        + (m.has("subPath") ? " subPath" : "")));
    assertThat(mounts).contains("otlp-client=/etc/tollgate/otlp-client");
    // Without the Secret, Envoy presents no certificate and mounts nothing.
    List<String> serverOnly =
        List.of("--set", "tracing.otlpEndpoint=https://otel-collector.observability.svc:4317");
    assertThat(operatorArgs(serverOnly)).noneMatch(a -> a.startsWith("--otlp-client"));
    assertThat(deployment(serverOnly, "-envoy").at("/spec/template/spec/volumes").toString())
        .doesNotContain("otlp-client");
  }

  @Test
  void aClientCertificateForAPlaintextEndpointIsRefused() {
    assertThat(
            refused(
                    "tracing.otlpEndpoint=collector:4317",
                    "tracing.clientCertificateSecret.name=gateway-otlp-client")
                .stderr())
        .contains("tracing.clientCertificateSecret")
        .contains("https://");
  }

  /** {@code helm template} with these {@code --set} values; it must fail. */
  private static Tools.Result refused(String... sets) {
    List<String> args = new ArrayList<>(List.of("template", "tollgate", ChartIT.CHART.toString()));
    for (String set : sets) {
      args.add("--set");
      args.add(set);
    }
    Tools.Result result = ChartIT.helm(args);
    assertThat(result.exitCode()).as("helm template %s", args).isNotZero();
    return result;
  }

  @Test
  void aCaSecretForAPlaintextEndpointIsRefused() {
    assertThat(
            refused("tracing.otlpEndpoint=collector:4317", "tracing.caSecret.name=otel-ca")
                .stderr())
        .contains("tracing.caSecret")
        .contains("https://");
  }

  @Test
  void anEndpointWithAPathIsRefusedNamingTheValue() {
    assertThat(refused("tracing.otlpEndpoint=http://collector:4318/v1/traces").stderr())
        .contains("otlpEndpoint");
  }
}
