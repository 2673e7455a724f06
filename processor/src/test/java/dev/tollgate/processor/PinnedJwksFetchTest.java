package dev.tollgate.processor;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.tollgate.tls.CertificateAuthority;
import dev.tollgate.tls.IssuedCertificate;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * DNS rebinding: a key set host is resolved once, every address checked, and the connection made to
 * the checked address, whatever the name resolves to afterwards; TLS still verifies the name. The
 * resolver and the connector stand in for DNS and the network: the connector records where the
 * fetch connects and reaches the local test server instead (traffic stays on loopback).
 */
class PinnedJwksFetchTest {
  static final String SET = "{\"keys\":[]}";
  static final JwksFetchPolicy PUBLIC_ONLY =
      new JwksFetchPolicy(
          true,
          false,
          Duration.ofSeconds(1),
          Duration.ofSeconds(2),
          64 * 1024,
          Duration.ofSeconds(1));
  static final JwksFetchPolicy PRIVATE_ALLOWED = PUBLIC_ONLY.withLocalAllowed(true, true);

  HttpServer server;
  final AtomicInteger served = new AtomicInteger();
  final List<String> hosts = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  void serve(HttpServer s) {
    server = s;
    server.createContext(
        "/keys",
        exchange -> {
          served.incrementAndGet();
          hosts.add(exchange.getRequestHeaders().getFirst("Host"));
          byte[] body = SET.getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
  }

  /** A resolver that answers {@code first} on its first call and {@code later} on every other. */
  static final class Rebinding implements PinnedJwksFetch.Resolver {
    final InetAddress[] first;
    final InetAddress[] later;
    final AtomicInteger calls = new AtomicInteger();

    Rebinding(InetAddress[] first, InetAddress[] later) {
      this.first = first;
      this.later = later;
    }

    @Override
    public InetAddress[] resolve(String host) {
      return calls.getAndIncrement() == 0 ? first : later;
    }
  }

  /** Records each address connected to and connects to the local server instead. */
  final class Network implements PinnedJwksFetch.Connector {
    final List<InetSocketAddress> connected = new CopyOnWriteArrayList<>();

    @Override
    public Socket connect(InetSocketAddress address, int timeoutMillis) throws IOException {
      connected.add(address);
      Socket socket = new Socket();
      socket.connect(
          new InetSocketAddress("127.0.0.1", server.getAddress().getPort()), timeoutMillis);
      return socket;
    }
  }

  static InetAddress address(String host, int... bytes) throws IOException {
    byte[] raw = new byte[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      raw[i] = (byte) bytes[i];
    }
    return InetAddress.getByAddress(host, raw);
  }

  static String fetch(
      JwksFetchPolicy policy,
      PinnedJwksFetch.Resolver resolver,
      PinnedJwksFetch.Connector connector,
      SSLContext tls,
      String uri)
      throws Exception {
    HttpJwksSource source =
        new HttpJwksSource(
            new PinnedJwksFetch(policy, resolver, connector, tls.getSocketFactory()),
            policy,
            HttpJwksSource.fetchPool(),
            Clock.systemUTC(),
            Duration.ofMinutes(10),
            Duration.ofSeconds(30));
    try {
      source.keys(uri).get(10, TimeUnit.SECONDS);
      return "ok";
    } catch (ExecutionException e) {
      return String.valueOf(Authenticator.unwrap(e.getCause()));
    }
  }

  @Test
  void aNameThatRebindsToAPrivateAddressIsFetchedFromTheAddressThatWasChecked() throws Exception {
    serve(HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 4));
    InetAddress publicAddress = address("idp.example", 93, 184, 215, 14);
    Rebinding dns =
        new Rebinding(
            new InetAddress[] {publicAddress},
            new InetAddress[] {address("idp.example", 127, 0, 0, 1)});
    Network network = new Network();

    String outcome =
        fetch(PUBLIC_ONLY, dns, network, SSLContext.getDefault(), "http://idp.example/keys");

    assertThat(outcome).isEqualTo("ok");
    assertThat(dns.calls.get()).as("resolutions").isEqualTo(1);
    assertThat(network.connected).containsExactly(new InetSocketAddress(publicAddress, 80));
    assertThat(hosts).containsExactly("idp.example");
  }

  @Test
  void aNameResolvingToAnyPrivateAddressIsNeverConnected() throws Exception {
    serve(HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 4));
    for (InetAddress[] answer :
        List.of(
            new InetAddress[] {address("idp.example", 10, 0, 0, 5)},
            new InetAddress[] {
              address("idp.example", 93, 184, 215, 14), address("idp.example", 169, 254, 169, 254)
            })) {
      Rebinding dns = new Rebinding(answer, new InetAddress[] {address("x", 93, 184, 215, 14)});
      Network network = new Network();
      assertThat(
              fetch(PUBLIC_ONLY, dns, network, SSLContext.getDefault(), "http://idp.example/keys"))
          .contains("non-public address");
      assertThat(network.connected).isEmpty();
    }
    assertThat(served.get()).isZero();
  }

  @Test
  void tlsVerifiesTheHostNameWhileConnectingToTheCheckedAddress() throws Exception {
    CertificateAuthority ca =
        CertificateAuthority.create("jwks-test-ca", Duration.ofHours(1), Clock.systemUTC());
    IssuedCertificate cert =
        ca.issueServer("idp.example", List.of("idp.example"), List.of(), Duration.ofHours(1));
    KeyStore keys = KeyStore.getInstance("PKCS12");
    keys.load(null, null);
    keys.setKeyEntry(
        "server",
        cert.key(),
        new char[0],
        new Certificate[] {cert.certificate(), ca.certificate()});
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, new char[0]);
    SSLContext serverTls = SSLContext.getInstance("TLS");
    serverTls.init(kmf.getKeyManagers(), null, null);
    HttpsServer https = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 4);
    https.setHttpsConfigurator(new HttpsConfigurator(serverTls));
    serve(https);

    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", ca.certificate());
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext clientTls = SSLContext.getInstance("TLS");
    clientTls.init(null, tmf.getTrustManagers(), null);
    InetAddress[] loopback = {address("idp.example", 127, 0, 0, 1)};
    java.util.function.Function<String, String> fetchLoopback =
        uri -> {
          try {
            return fetch(
                PRIVATE_ALLOWED, new Rebinding(loopback, loopback), new Network(), clientTls, uri);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        };

    assertThat(fetchLoopback.apply("https://idp.example/keys")).isEqualTo("ok");
    // The same server and address under a name its certificate does not carry: refused.
    assertThat(fetchLoopback.apply("https://other.example/keys"))
        .contains("No subject alternative DNS name matching other.example");
    assertThat(served.get()).isEqualTo(1);
  }
}
