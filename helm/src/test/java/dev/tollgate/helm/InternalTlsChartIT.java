package dev.tollgate.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Mutual TLS between Envoy and the internal services in the chart ({@code internalTls}): by default
 * the operator issues the certificates, every role mounts its own Secret and is given {@code
 * --tls-dir}, and Envoy's ADS cluster presents its client certificate; with cert-manager the same
 * Secrets come from Certificates; {@code off} leaves everything plaintext.
 */
class InternalTlsChartIT {
  static final List<String> COMPONENTS = List.of("operator", "processor", "ratelimit", "envoy");

  private static Map<String, JsonNode> objects(List<String> values) {
    Map<String, JsonNode> byName = new TreeMap<>();
    for (JsonNode object : Manifests.parse(ChartIT.render(values))) {
      byName.put(Manifests.name(object), object);
    }
    return byName;
  }

  private static JsonNode pod(Map<String, JsonNode> objects, String component) {
    JsonNode deployment = objects.get("Deployment tollgate-" + component);
    assertThat(deployment).as("Deployment tollgate-%s", component).isNotNull();
    return deployment.at("/spec/template/spec");
  }

  private static List<String> args(JsonNode pod) {
    List<String> out = new ArrayList<>();
    pod.at("/containers/0/args").forEach(a -> out.add(a.asText()));
    return out;
  }

  private static String secretVolume(JsonNode pod, String volume) {
    for (JsonNode v : pod.path("volumes")) {
      if (v.path("name").asText().equals(volume)) {
        return v.at("/secret/secretName").asText();
      }
    }
    return null;
  }

  @Test
  void byDefaultTheOperatorIssuesEveryCertificateAndEveryRoleServesMutualTls() {
    Map<String, JsonNode> objects = objects(List.of());
    List<String> operator = args(pod(objects, "operator"));
    assertThat(operator)
        .contains(
            "--ca-secret=tollgate-internal-ca",
            "--certificates-namespace=" + ChartIT.NAMESPACE,
            "--server-certificate=tollgate-operator-tls=tollgate-operator.tollgate-system.svc,"
                + "tollgate-operator.tollgate-system.svc.cluster.local",
            "--server-certificate=tollgate-processor-tls=tollgate-processor.tollgate-system.svc,"
                + "tollgate-processor.tollgate-system.svc.cluster.local",
            "--server-certificate=tollgate-ratelimit-tls=tollgate-ratelimit.tollgate-system.svc,"
                + "tollgate-ratelimit.tollgate-system.svc.cluster.local",
            "--client-certificate=tollgate-envoy-tls",
            "--client-certificate=tollgate-processor-client-tls",
            "--ads-certificate-secret=tollgate-operator-tls",
            "--certificates-owner=tollgate-operator",
            "--tls-dir=/tmp/tollgate-ads-tls",
            "--envoy-tls-dir=/etc/tollgate/service-tls",
            "--envoy-sds-dir=/etc/tollgate/service-sds");
    for (String role : List.of("processor", "ratelimit")) {
      JsonNode pod = pod(objects, role);
      assertThat(args(pod)).as(role).contains("--tls-dir=/etc/tollgate/tls");
      assertThat(secretVolume(pod, "tls")).as(role).isEqualTo("tollgate-" + role + "-tls");
    }
    // The processor calls the rate-limit service (tier checks, settlements) with a client
    // certificate of its own, as Envoy does; its server certificate could not be one.
    JsonNode processor = pod(objects, "processor");
    assertThat(args(processor))
        .contains(
            "--ratelimit-address=tollgate-ratelimit.tollgate-system.svc:10002",
            "--ratelimit-tls-dir=/etc/tollgate/client-tls",
            "--tier-check-timeout-ms=250",
            "--settle-timeout-ms=2000",
            "--reserve-percentile=0.99",
            "--reserve-min-completions=20",
            "--reserve-window=2000");
    assertThat(secretVolume(processor, "client-tls")).isEqualTo("tollgate-processor-client-tls");
    JsonNode envoy = pod(objects, "envoy");
    assertThat(secretVolume(envoy, "service-tls")).isEqualTo("tollgate-envoy-tls");
    assertThat(
            objects.get("ConfigMap tollgate-envoy-bootstrap").at("/data/bootstrap.yaml").asText())
        .contains("UpstreamTlsContext", "tollgate/service-client-certificate")
        .contains("exact: tollgate-operator.tollgate-system.svc");
    // The operator may update only the certificate Secrets; it needs create for the first write.
    JsonNode role = objects.get("Role tollgate-operator-certificates");
    assertThat(role).isNotNull();
    assertThat(role.at("/rules/1/resourceNames").toString())
        .contains(
            "tollgate-internal-ca",
            "tollgate-envoy-tls",
            "tollgate-operator-tls",
            "tollgate-processor-client-tls");
    // It reads its own Deployment, the Secrets' owner, and no other.
    assertThat(role.at("/rules/2/resources/0").asText()).isEqualTo("deployments");
    assertThat(role.at("/rules/2/resourceNames").toString()).isEqualTo("[\"tollgate-operator\"]");
    assertThat(role.at("/rules/2/verbs").toString()).isEqualTo("[\"get\"]");
    assertThat(objects.keySet()).noneMatch(n -> n.startsWith("Certificate "));
  }

  @Test
  void withCertManagerTheSameSecretsComeFromCertificates() {
    Map<String, JsonNode> objects = objects(List.of("--set", "internalTls.mode=certManager"));
    for (String component : COMPONENTS) {
      JsonNode certificate = objects.get("Certificate tollgate-" + component + "-tls");
      assertThat(certificate).as("Certificate for %s", component).isNotNull();
      assertThat(certificate.at("/spec/secretName").asText())
          .isEqualTo("tollgate-" + component + "-tls");
      assertThat(certificate.at("/spec/issuerRef/name").asText()).isEqualTo("tollgate-internal-ca");
      assertThat(certificate.at("/spec/usages").toString())
          .contains(component.equals("envoy") ? "client auth" : "server auth");
    }
    assertThat(
            objects.get("Certificate tollgate-processor-client-tls").at("/spec/usages").toString())
        .contains("client auth")
        .doesNotContain("server auth");
    assertThat(objects.get("Certificate tollgate-internal-ca").at("/spec/isCA").asBoolean())
        .isTrue();
    List<String> operator = args(pod(objects, "operator"));
    assertThat(operator)
        .contains("--tls-dir=/etc/tollgate/tls")
        .noneMatch(a -> a.startsWith("--ca-secret"));
    assertThat(secretVolume(pod(objects, "operator"), "tls")).isEqualTo("tollgate-operator-tls");
    assertThat(objects).doesNotContainKey("Role tollgate-operator-certificates");
  }

  @Test
  void offLeavesTheInternalHopsPlaintext() {
    Map<String, JsonNode> objects = objects(List.of("--set", "internalTls.mode=off"));
    for (String component : COMPONENTS) {
      assertThat(args(pod(objects, component))).as(component).noneMatch(a -> a.contains("tls"));
    }
    assertThat(args(pod(objects, "processor")))
        .contains("--ratelimit-address=tollgate-ratelimit.tollgate-system.svc:10002");
    assertThat(objects.get("ConfigMap tollgate-envoy-bootstrap").toString())
        .doesNotContain("UpstreamTlsContext");
    assertThat(objects).doesNotContainKey("ConfigMap tollgate-envoy-service-sds");
  }
}
