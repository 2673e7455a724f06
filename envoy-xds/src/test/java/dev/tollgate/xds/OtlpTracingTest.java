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
  void refusesWhatItCannotServe() {
    assertThatThrownBy(() -> OtlpTracing.parse("https://collector:4317", 100))
        .hasMessageContaining("TLS");
    assertThatThrownBy(() -> OtlpTracing.parse("collector:otlp", 100))
        .hasMessageContaining("HOST:PORT");
    assertThatThrownBy(() -> OtlpTracing.parse("collector:0", 100)).hasMessageContaining("port");
    assertThatThrownBy(() -> OtlpTracing.parse("http://collector:4318/v1/traces", 100))
        .hasMessageContaining("path");
    assertThatThrownBy(() -> OtlpTracing.parse("collector:4317", 101))
        .hasMessageContaining("0-100");
  }
}
