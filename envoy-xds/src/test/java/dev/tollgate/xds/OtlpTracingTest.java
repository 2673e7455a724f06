package dev.tollgate.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class OtlpTracingTest {
  @Test
  void noEndpointMeansNoTracing() {
    assertThat(OtlpTracing.parse(null, 100)).isNull();
    assertThat(OtlpTracing.parse("  ", 100)).isNull();
  }

  @Test
  void readsHostAndPortAsSdksWriteThem() {
    assertThat(OtlpTracing.parse("otel-collector.observability:4317", 100))
        .isEqualTo(new OtlpTracing("otel-collector.observability", 4317, 100));
    assertThat(OtlpTracing.parse("http://127.0.0.1:14317/", 5))
        .isEqualTo(new OtlpTracing("127.0.0.1", 14317, 5));
    assertThat(OtlpTracing.parse("collector", 100))
        .isEqualTo(new OtlpTracing("collector", OtlpTracing.DEFAULT_PORT, 100));
    assertThat(OtlpTracing.parse("[::1]:4317", 100)).isEqualTo(new OtlpTracing("::1", 4317, 100));
  }

  @Test
  void httpsMeansTlsWithTheCaBundleUnlessACaFileIsGiven() {
    assertThat(OtlpTracing.parse("https://collector.observability.svc:4317", 100))
        .isEqualTo(
            new OtlpTracing(
                "collector.observability.svc", 4317, 100, "tollgate-gateway", true, null));
    assertThat(OtlpTracing.parse("https://10.0.0.7", 50, "gateway-eu", "/etc/ca/ca.crt"))
        .isEqualTo(new OtlpTracing("10.0.0.7", 4317, 50, "gateway-eu", true, "/etc/ca/ca.crt"));
  }

  @Test
  void theServiceNameDefaultsAndMustBePrintable() {
    assertThat(OtlpTracing.parse("collector", 100, " ", null).serviceName())
        .isEqualTo(OtlpTracing.DEFAULT_SERVICE_NAME);
    assertThat(OtlpTracing.parse("collector", 100, " gateway-eu ", null).serviceName())
        .isEqualTo("gateway-eu");
    assertThatThrownBy(() -> OtlpTracing.parse("collector", 100, "gate\nway", null))
        .hasMessageContaining("service name");
    assertThatThrownBy(() -> OtlpTracing.parse("collector", 100, "x".repeat(256), null))
        .hasMessageContaining("service name");
  }

  @Test
  void refusesWhatItCannotServe() {
    assertThatThrownBy(() -> OtlpTracing.parse("collector:4317", 100, null, "/etc/ca.crt"))
        .hasMessageContaining("https://");
    assertThatThrownBy(() -> OtlpTracing.parse("http://collector:4317", 100, null, "/etc/ca.crt"))
        .hasMessageContaining("https://");
    assertThatThrownBy(() -> OtlpTracing.parse("https://collector:4318/v1/traces", 100))
        .hasMessageContaining("path");
    assertThatThrownBy(() -> OtlpTracing.parse("https://collector:4317", 100, null, "ca.crt"))
        .hasMessageContaining("CA file must be an absolute file path");
    assertThatThrownBy(() -> OtlpTracing.parse("collector:otlp", 100))
        .hasMessageContaining("HOST:PORT");
    assertThatThrownBy(() -> OtlpTracing.parse("collector:0", 100)).hasMessageContaining("port");
    assertThatThrownBy(() -> OtlpTracing.parse("http://collector:4318/v1/traces", 100))
        .hasMessageContaining("path");
    assertThatThrownBy(() -> OtlpTracing.parse("collector:4317", 101))
        .hasMessageContaining("0-100");
  }

  @Test
  void readsAClientCertificateAndKeyForMutualTls() {
    OtlpTracing mutual =
        OtlpTracing.parse(
            "https://collector:4317",
            100,
            null,
            null,
            " /etc/client/tls.crt ",
            "/etc/client/tls.key");
    assertThat(mutual.mutualTls()).isTrue();
    assertThat(mutual.clientCertificateFile()).isEqualTo("/etc/client/tls.crt");
    assertThat(mutual.clientKeyFile()).isEqualTo("/etc/client/tls.key");
    assertThat(mutual.clientCertificateDirectory()).isEqualTo("/etc/client");
    assertThat(OtlpTracing.parse("https://collector:4317", 100, null, null, " ", null).mutualTls())
        .isFalse();
  }

  @Test
  void refusesAClientCertificateItCannotServe() {
    assertThatThrownBy(
            () -> OtlpTracing.parse("collector:4317", 100, null, null, "/c/tls.crt", "/c/tls.key"))
        .hasMessageContaining("https://");
    assertThatThrownBy(
            () -> OtlpTracing.parse("https://collector:4317", 100, null, null, "/c/tls.crt", null))
        .hasMessageContaining("both");
    assertThatThrownBy(
            () -> OtlpTracing.parse("https://collector:4317", 100, null, null, null, "/c/tls.key"))
        .hasMessageContaining("both");
    assertThatThrownBy(
            () ->
                OtlpTracing.parse(
                    "https://collector:4317", 100, null, null, "/c/tls.crt", "/k/tls.key"))
        .hasMessageContaining("same directory");
    assertThatThrownBy(
            () ->
                OtlpTracing.parse("https://collector:4317", 100, null, null, "tls.crt", "tls.key"))
        .hasMessageContaining("absolute");
  }
}
