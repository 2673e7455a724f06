package dev.tollgate.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tollgate.tls.CertificateAuthority;
import dev.tollgate.tls.IssuedCertificate;
import dev.tollgate.xds.AdsServer;
import dev.tollgate.xds.ListenerCertificate;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The operator serves the listener's TLS Secret over SDS and follows its changes. */
@EnableKubernetesMockClient(crud = true)
class ListenerTlsSecretTest {
  private static final CertificateAuthority CA =
      CertificateAuthority.create("listener-secret-test", Duration.ofHours(1), Clock.systemUTC());

  KubernetesClient client;

  @Test
  void servesTheSecretAndEachNewVersionAndKeepsTheLastGoodOne() {
    IssuedCertificate first = issue();
    IssuedCertificate second = issue();
    try (AdsServer ads = AdsServer.start("127.0.0.1", 0, Clock.systemUTC());
        ListenerTlsSecret watch = ListenerTlsSecret.watch(client, "gw/listener-tls", ads)) {
      client
          .secrets()
          .inNamespace("gw")
          .resource(secret(first.certificatePem(), first.keyPem()))
          .create();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> version(first).equals(ads.listenerCertificateVersion()));

      client
          .secrets()
          .inNamespace("gw")
          .resource(secret(second.certificatePem(), second.keyPem()))
          .update();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> version(second).equals(ads.listenerCertificateVersion()));

      // A key of another certificate is refused; the last good certificate stays.
      assertThat(watch.serve(secret(first.certificatePem(), second.keyPem()))).isFalse();
      assertThat(watch.serve(secret(null, second.keyPem()))).isFalse();
      assertThat(ads.listenerCertificateVersion()).isEqualTo(version(second));
    }
  }

  private static String version(IssuedCertificate issued) {
    return new ListenerCertificate(issued.certificatePem(), issued.keyPem()).version();
  }

  private static IssuedCertificate issue() {
    return CA.issueServer("gateway", List.of("gateway.example"), List.of(), Duration.ofHours(1));
  }

  private static Secret secret(String certificate, String key) {
    SecretBuilder secret =
        new SecretBuilder()
            .withNewMetadata()
            .withNamespace("gw")
            .withName("listener-tls")
            .endMetadata()
            .withType("kubernetes.io/tls")
            .addToData("tls.key", base64(key));
    if (certificate != null) {
      secret.addToData("tls.crt", base64(certificate));
    }
    return secret.build();
  }

  private static String base64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.US_ASCII));
  }
}
