package dev.tollgate.xds;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.model.GatewayModelBuilder;
import dev.tollgate.model.source.ManifestReader;
import dev.tollgate.testkit.RepoRoot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServiceTlsTest {
  private static final ServiceTls TLS = new ServiceTls("/etc/envoy/tls", "/etc/envoy/sds");

  @Test
  void grpcClustersPresentTheClientCertificateAndCheckTheServersName() throws Exception {
    var model =
        GatewayModelBuilder.build(
            new ManifestReader().readFolder(RepoRoot.resolve("examples/quickstart")).snapshot());
    XdsResources xds =
        new XdsTranslator(
                XdsSettings.local()
                    .withServices("tollgate-processor.tollgate.svc", 10001, "127.0.0.1", 10002)
                    .withServiceTls(TLS))
            .translate(model);

    UpstreamTlsContext processor = tls(cluster(xds, XdsNames.PROCESSOR_CLUSTER));
    assertThat(processor.getSni()).isEqualTo("tollgate-processor.tollgate.svc");
    assertThat(processor.getCommonTlsContext().getAlpnProtocolsList()).containsExactly("h2");
    assertThat(processor.getCommonTlsContext().getTlsCertificateSdsSecretConfigs(0).getName())
        .isEqualTo(ServiceTls.CERTIFICATE_SECRET);
    var validation = processor.getCommonTlsContext().getCombinedValidationContext();
    assertThat(
            validation
                .getValidationContextSdsSecretConfig()
                .getSdsConfig()
                .getPathConfigSource()
                .getPath())
        .isEqualTo("/etc/envoy/sds/" + ServiceTls.CA_SDS_FILE);
    assertThat(
            validation.getDefaultValidationContext().getMatchTypedSubjectAltNames(0).getSanType())
        .isEqualTo(SubjectAltNameMatcher.SanType.DNS);

    UpstreamTlsContext rateLimit = tls(cluster(xds, XdsNames.RATE_LIMIT_CLUSTER));
    assertThat(rateLimit.getSni()).isEmpty();
    assertThat(
            rateLimit
                .getCommonTlsContext()
                .getCombinedValidationContext()
                .getDefaultValidationContext()
                .getMatchTypedSubjectAltNames(0)
                .getSanType())
        .isEqualTo(SubjectAltNameMatcher.SanType.IP_ADDRESS);
  }

  @Test
  void withoutServiceTlsTheGrpcClustersArePlaintext() throws Exception {
    var model =
        GatewayModelBuilder.build(
            new ManifestReader().readFolder(RepoRoot.resolve("examples/quickstart")).snapshot());
    XdsResources xds = new XdsTranslator(XdsSettings.local()).translate(model);

    assertThat(cluster(xds, XdsNames.PROCESSOR_CLUSTER).hasTransportSocket()).isFalse();
  }

  @Test
  void bootstrapPutsMutualTlsOnTheAdsCluster() throws Exception {
    var bootstrap =
        EnvoyBootstrap.build("n", "tollgate", "tollgate-operator.tollgate.svc", 18000, 9901, TLS);
    Cluster xds = bootstrap.getStaticResources().getClusters(0);

    assertThat(tls(xds).getSni()).isEqualTo("tollgate-operator.tollgate.svc");
    assertThat(EnvoyBootstrap.toJson(bootstrap)).contains(ServiceTls.CERTIFICATE_SDS_FILE);
  }

  @Test
  void sdsFilesNameTheCertificateFilesAndWatchTheirDirectory() {
    Map<String, String> files = TLS.sdsFiles();

    assertThat(files).containsOnlyKeys(ServiceTls.CERTIFICATE_SDS_FILE, ServiceTls.CA_SDS_FILE);
    assertThat(files.get(ServiceTls.CERTIFICATE_SDS_FILE))
        .contains("\"/etc/envoy/tls/tls.crt\"", "\"/etc/envoy/tls/tls.key\"", "watchedDirectory")
        .doesNotContain("BEGIN");
    assertThat(files.get(ServiceTls.CA_SDS_FILE)).contains("\"/etc/envoy/tls/ca.crt\"");
  }

  private static Cluster cluster(XdsResources xds, String name) {
    return xds.clusters().stream().filter(c -> c.getName().equals(name)).findFirst().orElseThrow();
  }

  private static UpstreamTlsContext tls(Cluster cluster) throws Exception {
    return cluster.getTransportSocket().getTypedConfig().unpack(UpstreamTlsContext.class);
  }
}
