package dev.tollgate.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tollgate.model.GatewayModelBuilder;
import dev.tollgate.model.source.ManifestReader;
import dev.tollgate.testkit.Ports;
import dev.tollgate.testkit.RepoRoot;
import dev.tollgate.tls.CertificateAuthority;
import dev.tollgate.tls.ServerTls;
import dev.tollgate.tls.TlsFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A real Envoy gets its configuration from ADS over mutual TLS, and after both sides' files are
 * rewritten with certificates of a new CA it reconnects with the new ones, without a restart.
 */
class EnvoyServiceTlsIT {
  private static final Path WORK = Path.of("target", "envoy-service-tls-it").toAbsolutePath();
  private static final String NODE = "envoy-tls-it";
  private static final Duration VALIDITY = Duration.ofHours(1);

  @Test
  void envoyFetchesOverMutualTlsAndPicksUpRotatedCertificates() throws Exception {
    Files.createDirectories(WORK);
    Path tlsRoot = Files.createTempDirectory(WORK, "tls");
    Path server = tlsRoot.resolve("server");
    Path envoyCerts = tlsRoot.resolve("envoy");
    Path sds = Files.createDirectories(tlsRoot.resolve("envoy-sds"));
    ServiceTls tls = new ServiceTls(envoyCerts.toString(), sds.toString());
    CertificateAuthority first = CertificateAuthority.create("first", VALIDITY, Clock.systemUTC());
    write(first, server, envoyCerts);
    for (Map.Entry<String, String> file : tls.sdsFiles().entrySet()) {
      Files.writeString(sds.resolve(file.getKey()), file.getValue());
    }
    var model =
        GatewayModelBuilder.build(
            new ManifestReader().readFolder(RepoRoot.resolve("examples/quickstart")).snapshot());
    XdsResources resources =
        new XdsTranslator(XdsSettings.local().withListener("127.0.0.1", Ports.free()))
            .translate(model);
    int adsPort = Ports.free();
    int adminPort = Ports.free();
    try (ServerTls serverTls = ServerTls.fromFiles(TlsFiles.in(server), Duration.ofMillis(200))) {
      AdsServer ads =
          AdsServer.start("127.0.0.1", adsPort, Clock.systemUTC(), serverTls.credentials());
      try (EnvoyProcess envoy =
          EnvoyProcess.start(
              WORK,
              EnvoyBootstrap.toJson(
                  EnvoyBootstrap.build(
                      NODE, AdsServer.DEFAULT_GROUP, "127.0.0.1", adsPort, adminPort, tls)),
              adminPort,
              "info")) {
        ads.publish(AdsServer.DEFAULT_GROUP, resources);
        AdsServer connected = ads;
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> connected.tracker().status(NODE).ackedEverything(resources.version()));

        CertificateAuthority second =
            CertificateAuthority.create("second", VALIDITY, Clock.systemUTC());
        write(second, server, envoyCerts);
        Thread.sleep(2000);
        ads.close();
        ads = AdsServer.start("127.0.0.1", adsPort, Clock.systemUTC(), serverTls.credentials());
        ads.publish(AdsServer.DEFAULT_GROUP, resources);
        AdsServer restarted = ads;
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> restarted.tracker().status(NODE).ackedEverything(resources.version()));
        assertThat(envoy.admin("/stats?filter=tollgate/xds.ssl.handshake")).isPresent();
      } finally {
        ads.close();
      }
    }
  }

  private static void write(CertificateAuthority ca, Path server, Path envoy) throws Exception {
    TlsFiles.write(envoy, ca.issueClient("envoy", VALIDITY), ca.certificate());
    TlsFiles.write(
        server,
        ca.issueServer("ads", List.of("localhost"), List.of("127.0.0.1"), VALIDITY),
        ca.certificate());
  }
}
