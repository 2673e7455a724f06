package dev.tollgate.tls;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.model.GatewayModelBuilder;
import dev.tollgate.model.source.ManifestReader;
import dev.tollgate.testkit.RecordingObserver;
import dev.tollgate.testkit.RepoRoot;
import dev.tollgate.xds.AdsServer;
import dev.tollgate.xds.XdsSettings;
import dev.tollgate.xds.XdsTranslator;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ADS behind {@link ServerTls}: only a client with a certificate from the CA gets configuration.
 */
class ServerTlsTest {
  private static final String CLUSTERS = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
  private static final Duration VALIDITY = Duration.ofHours(1);

  @TempDir Path dir;
  private CertificateAuthority ca;
  private ServerTls tls;
  private AdsServer ads;

  @BeforeEach
  void start() throws Exception {
    ca = CertificateAuthority.create("test CA", Duration.ofDays(1), Clock.systemUTC());
    TlsFiles.write(dir.resolve("server"), server(ca), ca.certificate());
    tls = ServerTls.fromFiles(TlsFiles.in(dir.resolve("server")), Duration.ofMillis(100));
    ads = AdsServer.start("127.0.0.1", 0, Clock.systemUTC(), tls.credentials());
    var model =
        GatewayModelBuilder.build(
            new ManifestReader().readFolder(RepoRoot.resolve("examples/quickstart")).snapshot());
    ads.publish(AdsServer.DEFAULT_GROUP, new XdsTranslator(XdsSettings.local()).translate(model));
  }

  @AfterEach
  void stop() {
    ads.close();
    tls.close();
  }

  @Test
  void clientWithCertificateFromTheCaGetsConfiguration() throws Exception {
    TlsFiles client =
        TlsFiles.write(dir.resolve("client"), ca.issueClient("envoy", VALIDITY), ca.certificate());
    assertThat(fetch(withCertificate(client))).isInstanceOf(DiscoveryResponse.class);
  }

  @Test
  void plaintextClientGetsNothing() throws Exception {
    assertThat(fetch(InsecureChannelCredentials.create())).isInstanceOf(Throwable.class);
  }

  @Test
  void tlsClientWithoutCertificateGetsNothing() throws Exception {
    TlsFiles client =
        TlsFiles.write(dir.resolve("client"), ca.issueClient("envoy", VALIDITY), ca.certificate());
    ChannelCredentials noCertificate =
        TlsChannelCredentials.newBuilder().trustManager(client.ca().toFile()).build();
    assertThat(fetch(noCertificate)).isInstanceOf(Throwable.class);
  }

  @Test
  void clientWithCertificateOfAnotherCaGetsNothing() throws Exception {
    CertificateAuthority other =
        CertificateAuthority.create("other CA", Duration.ofDays(1), Clock.systemUTC());
    Path foreign = dir.resolve("foreign");
    TlsFiles.write(foreign, other.issueClient("envoy", VALIDITY), other.certificate());
    ChannelCredentials credentials =
        TlsChannelCredentials.newBuilder()
            .trustManager(dir.resolve("server").resolve(TlsFiles.CA).toFile())
            .keyManager(
                foreign.resolve(TlsFiles.CERTIFICATE).toFile(),
                foreign.resolve(TlsFiles.KEY).toFile())
            .build();
    assertThat(fetch(credentials)).isInstanceOf(Throwable.class);
  }

  @Test
  void serverCertificateIsNotAClientCertificate() throws Exception {
    TlsFiles stolen = TlsFiles.in(dir.resolve("server"));
    assertThat(fetch(withCertificate(stolen))).isInstanceOf(Throwable.class);
  }

  @Test
  void rewrittenFilesApplyToNewConnectionsWithoutRestart() throws Exception {
    CertificateAuthority next =
        CertificateAuthority.create("next CA", Duration.ofDays(1), Clock.systemUTC());
    TlsFiles old =
        TlsFiles.write(dir.resolve("old"), ca.issueClient("envoy", VALIDITY), ca.certificate());
    TlsFiles renewed =
        TlsFiles.write(dir.resolve("new"), next.issueClient("envoy", VALIDITY), next.certificate());

    TlsFiles.write(dir.resolve("server"), server(next), next.certificate());

    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!(fetch(withCertificate(renewed)) instanceof DiscoveryResponse)
        && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertThat(fetch(withCertificate(renewed))).isInstanceOf(DiscoveryResponse.class);
    assertThat(fetch(withCertificate(old))).isInstanceOf(Throwable.class);
  }

  @Test
  void readsTraditionalKeysAsHelmAndCertManagerWriteThem() throws Exception {
    IssuedCertificate issued = server(ca);
    Path helm = dir.resolve("helm");
    TlsFiles files = TlsFiles.write(helm, issued, ca.certificate());
    // SEC 1 with the curve inside, as `openssl ec` and cert-manager's ECDSA keys are written.
    var info = org.bouncycastle.asn1.pkcs.PrivateKeyInfo.getInstance(issued.key().getEncoded());
    var sec1 =
        new org.bouncycastle.asn1.sec.ECPrivateKey(
            256,
            org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(info.parsePrivateKey()).getKey(),
            info.getPrivateKeyAlgorithm().getParameters());
    try (var writer =
        new org.bouncycastle.util.io.pem.PemWriter(Files.newBufferedWriter(files.key()))) {
      writer.writeObject(
          new org.bouncycastle.util.io.pem.PemObject("EC PRIVATE KEY", sec1.getEncoded()));
    }
    assertThat(Files.readString(files.key())).startsWith("-----BEGIN EC PRIVATE KEY-----");
    ServerTls.fromFiles(files, Duration.ofSeconds(1)).close();
  }

  @Test
  void unreadableFilesAreReportedByPath() {
    Path missing = dir.resolve("missing");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> ServerTls.fromFiles(TlsFiles.in(missing), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(missing.resolve(TlsFiles.CERTIFICATE).toString());
  }

  @Test
  void issuedKeyNeverAppearsInToString() throws Exception {
    IssuedCertificate issued = ca.issueClient("envoy", VALIDITY);
    assertThat(issued.toString())
        .doesNotContain(issued.keyPem().lines().skip(1).findFirst().orElseThrow());
    assertThat(
            Files.getPosixFilePermissions(
                TlsFiles.write(dir.resolve("k"), issued, ca.certificate()).key()))
        .hasSize(2);
  }

  private static IssuedCertificate server(CertificateAuthority ca) {
    return ca.issueServer("ads", List.of("localhost"), List.of("127.0.0.1"), VALIDITY);
  }

  private static ChannelCredentials withCertificate(TlsFiles files) throws Exception {
    return TlsChannelCredentials.newBuilder()
        .trustManager(files.ca().toFile())
        .keyManager(files.certificate().toFile(), files.key().toFile())
        .build();
  }

  /** Opens an ADS stream and returns the first response, or the error that ended the stream. */
  private Object fetch(ChannelCredentials credentials) throws InterruptedException {
    ManagedChannel channel =
        Grpc.newChannelBuilderForAddress("127.0.0.1", ads.port(), credentials).build();
    try {
      RecordingObserver<DiscoveryResponse> events = new RecordingObserver<>();
      StreamObserver<DiscoveryRequest> requests =
          AggregatedDiscoveryServiceGrpc.newStub(channel)
              .withDeadlineAfter(10, TimeUnit.SECONDS)
              .streamAggregatedResources(events);
      requests.onNext(
          DiscoveryRequest.newBuilder()
              .setNode(Node.newBuilder().setId("probe").setCluster(AdsServer.DEFAULT_GROUP))
              .setTypeUrl(CLUSTERS)
              .build());
      return events.next(Duration.ofSeconds(15));
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
