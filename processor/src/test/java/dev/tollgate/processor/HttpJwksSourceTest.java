package dev.tollgate.processor;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Key set fetches refuse what could make the processor a proxy, a memory sink or stall it. */
class HttpJwksSourceTest {
  static final String SET = "{\"keys\":[]}";
  static final JwksFetchPolicy LOCAL =
      new JwksFetchPolicy(
          true,
          true,
          Duration.ofSeconds(1),
          Duration.ofSeconds(2),
          64 * 1024,
          Duration.ofSeconds(1));

  HttpServer server;
  final AtomicInteger goodFetches = new AtomicInteger();
  final CountDownLatch release = new CountDownLatch(1);

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    server.createContext(
        "/good",
        exchange -> {
          goodFetches.incrementAndGet();
          byte[] body = SET.getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    server.createContext(
        "/redirect",
        exchange -> {
          exchange.getResponseHeaders().add("location", uri("/good"));
          exchange.sendResponseHeaders(302, -1);
          exchange.close();
        });
    server.createContext(
        "/endless",
        exchange -> {
          exchange.sendResponseHeaders(200, 0);
          byte[] chunk = ("{\"keys\":[" + " ".repeat(8191)).getBytes(StandardCharsets.US_ASCII);
          try (OutputStream out = exchange.getResponseBody()) {
            // Bounded: 64 MiB at most, far beyond the limit; the client hangs up long before.
            for (int i = 0; i < 8192; i++) {
              out.write(chunk);
            }
          } catch (IOException hungUp) {
            // the fetch gave up, as it should
          }
        });
    server.createContext(
        "/declared-huge",
        exchange -> {
          exchange.sendResponseHeaders(200, 512 * 1024 * 1024L);
          exchange.close();
        });
    server.createContext("/stall-headers", exchange -> await(exchange::close));
    server.createContext(
        "/stall-body",
        exchange -> {
          exchange.sendResponseHeaders(200, 0);
          exchange.getResponseBody().write("{\"keys\":[".getBytes(StandardCharsets.US_ASCII));
          exchange.getResponseBody().flush();
          await(exchange::close);
        });
    server.start();
  }

  void await(Runnable then) {
    try {
      release.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    then.run();
  }

  @AfterEach
  void stop() {
    release.countDown();
    server.stop(0);
  }

  String uri(String path) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  static HttpJwksSource source(JwksFetchPolicy policy) {
    return new HttpJwksSource(
        policy, Clock.systemUTC(), Duration.ofMinutes(10), Duration.ofSeconds(30));
  }

  /** The failure message of a fetch, or "ok"; asserts it ended within the policy's bound. */
  static String fetch(JwksFetchPolicy policy, String uri) throws Exception {
    long start = System.nanoTime();
    String outcome;
    try {
      source(policy).keys(uri).get(10, TimeUnit.SECONDS);
      outcome = "ok";
    } catch (ExecutionException e) {
      outcome = String.valueOf(Authenticator.unwrap(e.getCause()));
    }
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isLessThan(policy.totalTimeout().plusSeconds(1));
    return outcome;
  }

  @Test
  void fetchesAnAllowedKeySet() throws Exception {
    assertThat(fetch(LOCAL, uri("/good"))).isEqualTo("ok");
  }

  @Test
  void refusesHttpUnlessAllowed() throws Exception {
    assertThat(fetch(LOCAL.withLocalAllowed(false, true), uri("/good")))
        .contains("not an https URL");
    assertThat(goodFetches.get()).isZero();
  }

  @Test
  void refusesLoopbackUnlessAllowed() throws Exception {
    assertThat(fetch(LOCAL.withLocalAllowed(true, false), uri("/good")))
        .contains("non-public address");
    assertThat(goodFetches.get()).isZero();
  }

  @Test
  void refusesRedirects() throws Exception {
    assertThat(fetch(LOCAL, uri("/redirect"))).contains("answered HTTP 302");
    assertThat(goodFetches.get()).isZero();
  }

  @Test
  void refusesBodiesOverTheLimitWhileReading() throws Exception {
    assertThat(fetch(LOCAL, uri("/endless"))).contains("larger than 65536 bytes");
    assertThat(fetch(LOCAL, uri("/declared-huge"))).contains("larger than 65536 bytes");
  }

  @Test
  void givesUpOnServersThatStall() throws Exception {
    assertThat(fetch(LOCAL, uri("/stall-headers"))).contains("did not arrive within PT2S");
    assertThat(fetch(LOCAL, uri("/stall-body"))).contains("did not arrive within PT2S");
  }

  @Test
  void keepsABoundedNumberOfKeysOfOneSet() throws Exception {
    java.security.KeyPairGenerator rsa = java.security.KeyPairGenerator.getInstance("RSA");
    rsa.initialize(2048);
    String one = JwtAuthenticatorTest.set("k", rsa.generateKeyPair());
    String key = one.substring(one.indexOf('[') + 1, one.lastIndexOf(']'));
    String many = "{\"keys\":[" + String.join(",", java.util.Collections.nCopies(100, key)) + "]}";
    assertThat(Jwks.parse(many.getBytes(StandardCharsets.UTF_8)).keys()).hasSize(Jwks.MAX_KEYS);
  }
}
