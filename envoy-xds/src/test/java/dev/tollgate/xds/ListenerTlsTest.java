package dev.tollgate.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.model.GatewayModelBuilder;
import dev.tollgate.model.source.ManifestReader;
import dev.tollgate.testkit.RepoRoot;
import dev.tollgate.tls.CertificateAuthority;
import dev.tollgate.tls.IssuedCertificate;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsParameters;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ListenerTlsTest {
  private static final CertificateAuthority CA =
      CertificateAuthority.create("listener-test", Duration.ofHours(1), Clock.systemUTC());

  private static XdsResources translate(XdsSettings settings) throws Exception {
    var model =
        GatewayModelBuilder.build(
            new ManifestReader().readFolder(RepoRoot.resolve("examples/quickstart")).snapshot());
    return new XdsTranslator(settings).translate(model);
  }

  @Test
  void tlsListenerNamesTheSdsSecretAndNegotiatesHttp2() throws Exception {
    Listener listener = translate(XdsSettings.local().withListenerTls(true)).listeners().get(0);
    var socket = listener.getFilterChains(0).getTransportSocket();
    assertThat(socket.getName()).isEqualTo("envoy.transport_sockets.tls");
    var common = socket.getTypedConfig().unpack(DownstreamTlsContext.class).getCommonTlsContext();
    assertThat(common.getAlpnProtocolsList()).containsExactly("h2", "http/1.1");
    assertThat(common.getTlsParams().getTlsMinimumProtocolVersion())
        .isEqualTo(TlsParameters.TlsProtocol.TLSv1_2);
    assertThat(common.getTlsCertificatesList()).isEmpty();
    assertThat(common.getTlsCertificateSdsSecretConfigsList())
        .singleElement()
        .satisfies(
            sds -> {
              assertThat(sds.getName()).isEqualTo(ListenerTls.SECRET);
              assertThat(sds.getSdsConfig().hasAds()).isTrue();
            });
  }

  @Test
  void plaintextListenerByDefault() throws Exception {
    Listener listener = translate(XdsSettings.local()).listeners().get(0);
    assertThat(listener.getFilterChains(0).hasTransportSocket()).isFalse();
  }

  @Test
  void certificateBecomesTheSecretAndNeverShowsItsKey() throws Exception {
    IssuedCertificate issued =
        CA.issueServer(
            "localhost", List.of("localhost"), List.of("127.0.0.1"), Duration.ofHours(1));
    var certificate = new ListenerCertificate(issued.certificatePem(), issued.keyPem());
    var secret = certificate.secret();
    assertThat(secret.getName()).isEqualTo(ListenerTls.SECRET);
    assertThat(secret.getTlsCertificate().getPrivateKey().getInlineString())
        .isEqualTo(issued.keyPem());
    assertThat(certificate.version()).hasSize(12);
    String keyBody = issued.keyPem().split("\n")[1];
    assertThat(certificate.toString()).contains("CN=localhost").doesNotContain(keyBody);
    String listener =
        translate(XdsSettings.local().withListenerTls(true))
            .listeners()
            .get(0)
            .toByteString()
            .toStringUtf8();
    assertThat(listener).doesNotContain("BEGIN");
  }

  @Test
  void refusesAKeyOfAnotherCertificateOrGarbageWithoutQuotingIt() {
    IssuedCertificate one = CA.issueServer("one", List.of("one"), List.of(), Duration.ofHours(1));
    IssuedCertificate two = CA.issueServer("two", List.of("two"), List.of(), Duration.ofHours(1));
    String keyBody = two.keyPem().split("\n")[1];
    assertThatThrownBy(() -> new ListenerCertificate(one.certificatePem(), two.keyPem()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not belong")
        .hasMessageNotContaining(keyBody);
    assertThatThrownBy(() -> new ListenerCertificate(one.certificatePem(), "not a key " + keyBody))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageNotContaining(keyBody);
    assertThatThrownBy(() -> new ListenerCertificate("garbage", one.keyPem()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a PEM X.509");
  }

  @Test
  void ackedVersionsWithTheCertificateSuffixCountAsTheModelVersion() {
    assertThat(AdsServer.modelVersion("abc" + AdsServer.VERSION_SUFFIX + "0123456789ab"))
        .isEqualTo("abc");
    assertThat(AdsServer.modelVersion("abc")).isEqualTo("abc");
  }
}
