package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.tls.CertificateAuthority;
import dev.tollgate.tls.IssuedCertificate;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code tollgate run --listener-tls-cert/--listener-tls-key}: the gateway serves HTTPS with the
 * certificate of the files (HTTP/2 by ALPN), refuses plaintext on that port, and serves a rewritten
 * certificate to new connections without a restart while open connections go on.
 */
class ListenerTlsIT {
  private static final CertificateAuthority CA =
      CertificateAuthority.create("listener-tls-it", Duration.ofHours(1), Clock.systemUTC());

  static Path certificate;
  static Path key;
  static TollgateRun gateway;

  @BeforeAll
  static void start() throws IOException {
    Path work = Path.of("target/e2e/listener-tls").toAbsolutePath();
    Files.createDirectories(work);
    certificate = work.resolve("listener.crt");
    key = work.resolve("listener.key");
    write(issue());
    gateway =
        TollgateRun.start(
            "budgets",
            work,
            Map.of("ENFORCE_TOKENS", "100000"),
            "--listener-tls-cert",
            certificate.toString(),
            "--listener-tls-key",
            key.toString());
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.close();
    }
  }

  @Test
  void servesHttp2OverTlsWithTheFilesCertificate() throws Exception {
    HttpResponse<String> response = chat(client());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(response.sslSession()).isPresent();
    assertThat(response.sslSession().get().getProtocol()).isIn("TLSv1.2", "TLSv1.3");
  }

  @Test
  void plaintextToTheTlsPortGetsNoAnswer() {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(gateway.url() + "/v1/models"))
            .header("authorization", "Bearer " + FaultsIT.BOB)
            .timeout(Duration.ofSeconds(10))
            .build();
    assertThatThrownBy(() -> TollgateRun.HTTP.send(request, HttpResponse.BodyHandlers.ofString()))
        .isInstanceOf(IOException.class);
  }

  @Test
  void rewrittenFilesSwapTheCertificateWithoutDroppingOpenConnections() throws Exception {
    HttpClient open = client();
    X509Certificate before = served(chat(open));

    IssuedCertificate next = issue();
    write(next);

    Awaitility.await()
        .atMost(30, TimeUnit.SECONDS)
        .pollInterval(Duration.ofMillis(500))
        .untilAsserted(
            () ->
                assertThat(served(chat(client())).getSerialNumber())
                    .isEqualTo(next.certificate().getSerialNumber()));
    // The connection opened before the rotation still works: the listener was not drained.
    HttpResponse<String> again = chat(open);
    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(served(again).getSerialNumber()).isEqualTo(before.getSerialNumber());
  }

  private static IssuedCertificate issue() {
    return CA.issueServer(
        "localhost", List.of("localhost"), List.of("127.0.0.1"), Duration.ofHours(1));
  }

  /** Writes key then certificate, each by an atomic move, as a rotation tool would. */
  private static void write(IssuedCertificate issued) throws IOException {
    replace(key, issued.keyPem());
    replace(certificate, issued.certificatePem());
  }

  private static void replace(Path target, String content) throws IOException {
    Path temporary = target.resolveSibling(target.getFileName() + ".tmp");
    Files.writeString(temporary, content);
    Files.move(
        temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /** A new client (so a new TLS handshake) that trusts only the test's CA. */
  private static HttpClient client() throws Exception {
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    trust.setCertificateEntry("ca", CA.certificate());
    TrustManagerFactory factory =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, factory.getTrustManagers(), null);
    return HttpClient.newBuilder()
        .sslContext(context)
        .version(HttpClient.Version.HTTP_2)
        .connectTimeout(Duration.ofSeconds(5))
        .build();
  }

  private static HttpResponse<String> chat(HttpClient client) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create(https() + "/v1/chat/completions"))
            .header("authorization", "Bearer " + FaultsIT.BOB)
            .header("content-type", "application/json")
            .timeout(Duration.ofSeconds(30))
            .POST(HttpRequest.BodyPublishers.ofString(BudgetIT.chat(5, false)))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static X509Certificate served(HttpResponse<String> response) throws Exception {
    return (X509Certificate) response.sslSession().orElseThrow().getPeerCertificates()[0];
  }

  private static String https() {
    return gateway.url().replaceFirst("^http:", "https:");
  }
}
