package dev.tollgate.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.trace.v3.OpenTelemetryConfig;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ListenerTracingTest {
  static final OtlpTracing PLAIN = OtlpTracing.parse("127.0.0.1:4317", 100);

  /** The string values of field {@code number} in the wire bytes, as Envoy would parse them. */
  static List<String> stringFields(byte[] bytes, int number) throws Exception {
    CodedInputStream in = CodedInputStream.newInstance(bytes);
    List<String> values = new ArrayList<>();
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (WireFormat.getTagFieldNumber(tag) == number
          && WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
        values.add(in.readStringRequireUtf8());
      } else {
        in.skipField(tag);
      }
    }
    return values;
  }

  @Test
  void theSpanIsNamedOperationAndRequestModelOnTheWire() throws Exception {
    HttpConnectionManager.Tracing tracing = ListenerTracing.tracing(PLAIN);
    // Envoy reads field 11 as Tracing.operation, a format string evaluated when the span ends.
    assertThat(stringFields(tracing.toByteArray(), ListenerTracing.OPERATION_FIELD))
        .containsExactly(
            "%DYNAMIC_METADATA(tollgate:operation)% %DYNAMIC_METADATA(tollgate:model)%");
    // And it survives packing into the listener, as the ADS server sends it.
    HttpConnectionManager hcm = HttpConnectionManager.newBuilder().setTracing(tracing).build();
    HttpConnectionManager parsed = HttpConnectionManager.parseFrom(hcm.toByteArray());
    assertThat(stringFields(parsed.getTracing().toByteArray(), ListenerTracing.OPERATION_FIELD))
        .hasSize(1);
  }

  @Test
  void theServiceNameIsTheConfiguredOne() throws Exception {
    OtlpTracing named = OtlpTracing.parse("collector:4317", 100, "gateway-eu", null);
    OpenTelemetryConfig otel =
        ListenerTracing.tracing(named)
            .getProvider()
            .getTypedConfig()
            .unpack(OpenTelemetryConfig.class);
    assertThat(otel.getServiceName()).isEqualTo("gateway-eu");
    assertThat(
            ListenerTracing.tracing(PLAIN)
                .getProvider()
                .getTypedConfig()
                .unpack(OpenTelemetryConfig.class)
                .getServiceName())
        .isEqualTo("tollgate-gateway");
  }

  @Test
  void aPlaintextCollectorHasNoTransportSocket() {
    assertThat(
            ListenerTracing.cluster(PLAIN, "/etc/ssl/certs/ca-certificates.crt")
                .hasTransportSocket())
        .isFalse();
  }

  @Test
  void aTlsCollectorIsCheckedAgainstItsCaAndName() throws Exception {
    OtlpTracing tls =
        OtlpTracing.parse("https://otel.observability.svc:4317", 100, null, "/etc/otlp/ca.crt");
    Cluster cluster = ListenerTracing.cluster(tls, "/etc/ssl/certs/ca-certificates.crt");
    UpstreamTlsContext context =
        cluster.getTransportSocket().getTypedConfig().unpack(UpstreamTlsContext.class);
    assertThat(context.getSni()).isEqualTo("otel.observability.svc");
    assertThat(context.getCommonTlsContext().getAlpnProtocolsList()).containsExactly("h2");
    var combined = context.getCommonTlsContext().getCombinedValidationContext();
    assertThat(combined.getValidationContextSdsSecretConfig().getName())
        .isEqualTo(ListenerTracing.CA_SECRET);
    assertThat(combined.getValidationContextSdsSecretConfig().getSdsConfig())
        .isEqualTo(XdsProtos.ADS);
    // The CA comes by SDS, as a file in a watched directory, so a rotated CA applies at once.
    Secret ca = ListenerTracing.caSecret(tls).orElseThrow();
    assertThat(ca.getName()).isEqualTo(ListenerTracing.CA_SECRET);
    assertThat(ca.getValidationContext().getTrustedCa().getFilename())
        .isEqualTo("/etc/otlp/ca.crt");
    assertThat(ca.getValidationContext().getWatchedDirectory().getPath()).isEqualTo("/etc/otlp");
    assertThat(ListenerTracing.caSecret(OtlpTracing.parse("https://otel:4317", 100))).isEmpty();
    var validation = combined.getDefaultValidationContext();
    assertThat(validation.hasTrustedCa()).isFalse();
    assertThat(validation.getMatchTypedSubjectAltNames(0).getSanType())
        .isEqualTo(SubjectAltNameMatcher.SanType.DNS);
    assertThat(validation.getMatchTypedSubjectAltNames(0).getMatcher().getExact())
        .isEqualTo("otel.observability.svc");

    OtlpTracing byAddress = OtlpTracing.parse("https://10.0.0.7:4317", 100);
    UpstreamTlsContext bundle =
        ListenerTracing.cluster(byAddress, "/etc/ssl/certs/ca-certificates.crt")
            .getTransportSocket()
            .getTypedConfig()
            .unpack(UpstreamTlsContext.class);
    assertThat(bundle.getSni()).as("no SNI for an address").isEmpty();
    var byIp = bundle.getCommonTlsContext().getValidationContext();
    assertThat(byIp.getTrustedCa().getFilename()).isEqualTo("/etc/ssl/certs/ca-certificates.crt");
    assertThat(byIp.getMatchTypedSubjectAltNames(0).getSanType())
        .isEqualTo(SubjectAltNameMatcher.SanType.IP_ADDRESS);
  }

  @Test
  void aClientCertificateComesBySdsOnTheAdsStreamAsWatchedFilePaths() throws Exception {
    OtlpTracing mutual =
        OtlpTracing.parse(
            "https://otel.observability.svc:4317",
            100,
            null,
            "/etc/otlp/ca.crt",
            "/etc/otlp-client/tls.crt",
            "/etc/otlp-client/tls.key");
    UpstreamTlsContext context =
        ListenerTracing.cluster(mutual, "/etc/ssl/certs/ca-certificates.crt")
            .getTransportSocket()
            .getTypedConfig()
            .unpack(UpstreamTlsContext.class);
    var sds = context.getCommonTlsContext().getTlsCertificateSdsSecretConfigsList();
    assertThat(sds).hasSize(1);
    assertThat(sds.get(0).getName()).isEqualTo(ListenerTracing.CLIENT_CERTIFICATE_SECRET);
    assertThat(sds.get(0).getSdsConfig()).isEqualTo(XdsProtos.ADS);
    assertThat(context.getCommonTlsContext().getTlsCertificatesList()).isEmpty();

    Secret secret = ListenerTracing.clientCertificateSecret(mutual).orElseThrow();
    assertThat(secret.getName()).isEqualTo(ListenerTracing.CLIENT_CERTIFICATE_SECRET);
    var certificate = secret.getTlsCertificate();
    assertThat(certificate.getCertificateChain().getFilename())
        .isEqualTo("/etc/otlp-client/tls.crt");
    assertThat(certificate.getPrivateKey().getFilename()).isEqualTo("/etc/otlp-client/tls.key");
    assertThat(certificate.getPrivateKey().hasInlineString()).isFalse();
    assertThat(certificate.getWatchedDirectory().getPath()).isEqualTo("/etc/otlp-client");

    OtlpTracing serverOnly =
        OtlpTracing.parse("https://otel.observability.svc:4317", 100, null, "/etc/otlp/ca.crt");
    assertThat(ListenerTracing.clientCertificateSecret(serverOnly)).isEmpty();
    assertThat(ListenerTracing.clientCertificateSecret(null)).isEmpty();
    assertThat(
            ListenerTracing.cluster(serverOnly, "/etc/ssl/certs/ca-certificates.crt")
                .getTransportSocket()
                .getTypedConfig()
                .unpack(UpstreamTlsContext.class)
                .getCommonTlsContext()
                .getTlsCertificateSdsSecretConfigsCount())
        .isZero();
  }
}
