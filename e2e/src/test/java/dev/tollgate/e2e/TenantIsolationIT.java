package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * One tenant's JWT settings cannot change another's answers, and hostile key set servers are
 * refused within bounds, through {@code tollgate run} with a real Envoy. The identity provider is
 * this test: an RSA key and a local JWKS server on 127.0.0.1, allowed explicitly.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TenantIsolationIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String TEAM_B_ISSUER = "https://idp.team-b.example";
  static final Duration BOUND = Duration.ofSeconds(3);

  static KeyPair keys;
  static HttpServer jwks;
  static ExecutorService jwksThreads;
  static final CountDownLatch release = new CountDownLatch(1);
  static final AtomicInteger brokenFetches = new AtomicInteger();
  static String jwksUrl;
  static TollgateRun gateway;

  @BeforeAll
  static void start() throws Exception {
    KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
    rsa.initialize(2048);
    keys = rsa.generateKeyPair();
    startJwksServer();
    gateway =
        TollgateRun.start(
            "tenants",
            Path.of("target/e2e/tenants").toAbsolutePath(),
            Map.of("JWKS_URL", jwksUrl, "SQUAT_JWKS", jwksUrl + "/broken"),
            "--jwks-allow-http",
            "--jwks-allow-private-addresses");
  }

  @AfterAll
  static void stop() {
    release.countDown();
    if (gateway != null) {
      gateway.close();
    }
    if (jwks != null) {
      jwks.stop(0);
      jwksThreads.shutdownNow();
    }
  }

  static void startJwksServer() throws IOException {
    jwks = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    jwksThreads = Executors.newCachedThreadPool();
    jwks.setExecutor(jwksThreads);
    jwksUrl = "http://127.0.0.1:" + jwks.getAddress().getPort();
    RSAPublicKey key = (RSAPublicKey) keys.getPublic();
    byte[] set =
        ("{\"keys\":[{\"kty\":\"RSA\",\"use\":\"sig\",\"alg\":\"RS256\",\"kid\":\"k\",\"n\":\""
                + b64(unsigned(key.getModulus()))
                + "\",\"e\":\""
                + b64(unsigned(key.getPublicExponent()))
                + "\"}]}")
            .getBytes(StandardCharsets.UTF_8);
    jwks.createContext(
        "/good",
        exchange -> {
          exchange.sendResponseHeaders(200, set.length);
          exchange.getResponseBody().write(set);
          exchange.close();
        });
    jwks.createContext(
        "/broken",
        exchange -> {
          brokenFetches.incrementAndGet();
          exchange.sendResponseHeaders(500, -1);
          exchange.close();
        });
    jwks.createContext(
        "/redirect",
        exchange -> {
          exchange.getResponseHeaders().add("location", jwksUrl + "/good");
          exchange.sendResponseHeaders(302, -1);
          exchange.close();
        });
    jwks.createContext(
        "/endless",
        exchange -> {
          exchange.sendResponseHeaders(200, 0);
          byte[] chunk = ("{\"keys\":[" + " ".repeat(65527)).getBytes(StandardCharsets.US_ASCII);
          long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
          try (OutputStream out = exchange.getResponseBody()) {
            // Bounded: 10 s and 256 MiB at most; a well-behaved client hangs up after 1 MiB.
            for (int i = 0; i < 4096 && System.nanoTime() < deadline; i++) {
              out.write(chunk);
              out.flush();
            }
          } catch (IOException hungUp) {
            // the gateway stopped reading
          }
        });
    jwks.createContext(
        "/stall",
        exchange -> {
          exchange.sendResponseHeaders(200, 0);
          exchange.getResponseBody().write("{\"keys\":[".getBytes(StandardCharsets.US_ASCII));
          exchange.getResponseBody().flush();
          try {
            release.await(10, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          exchange.close();
        });
    jwks.start();
  }

  static byte[] unsigned(BigInteger n) {
    byte[] raw = n.toByteArray();
    return raw[0] == 0 ? java.util.Arrays.copyOfRange(raw, 1, raw.length) : raw;
  }

  static String b64(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  static String token(String issuer, String audience, String subject) throws Exception {
    String header = b64("{\"alg\":\"RS256\",\"kid\":\"k\"}".getBytes(StandardCharsets.UTF_8));
    String claims =
        b64(
            ("{\"iss\":\""
                    + issuer
                    + "\",\"aud\":\""
                    + audience
                    + "\",\"sub\":\""
                    + subject
                    + "\",\"exp\":"
                    + (Instant.now().getEpochSecond() + 600)
                    + "}")
                .getBytes(StandardCharsets.UTF_8));
    Signature signature = Signature.getInstance("SHA256withRSA");
    signature.initSign(keys.getPrivate());
    signature.update((header + "." + claims).getBytes(StandardCharsets.US_ASCII));
    return header + "." + claims + "." + b64(signature.sign());
  }

  static String chat(String model) {
    return "{\"model\":\""
        + model
        + "\",\"max_tokens\":8,\"messages\":[{\"role\":\"user\",\"content\":\"Hello there\"}]}";
  }

  static HttpResponse<String> call(String token, String model) {
    return gateway.post("/v1/chat/completions", token, chat(model), Map.of());
  }

  static void assertServed(HttpResponse<String> response) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
  }

  /** Asserts the gateway's own 503 for keys it refused to fetch, within the bound. */
  static void assertKeysRefused(String issuer, String model) throws Exception {
    String token = token(issuer, "anything", "mallory");
    long start = System.nanoTime();
    HttpResponse<String> response = call(token, model);
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
    JsonNode error = JSON.readTree(response.body()).path("error");
    assertThat(error.path("code").asText()).isEqualTo("identity_provider_unavailable");
    assertThat(took).as("answered within the bound").isLessThan(BOUND);
  }

  @Test
  @Order(1)
  void aBrokenKeySetUrlOfAnotherTenantDoesNotMakeItsTokensFail() throws Exception {
    String bob = token(TEAM_B_ISSUER, "team-b-gateway", "bob");
    // team-a's route names team-b's issuer with a broken key set URL and no audiences.
    for (int i = 0; i < 3; i++) {
      assertServed(call(bob, "demo-chat"));
    }
    assertThat(brokenFetches.get())
        .as("team-a's key set is never fetched for team-b's tokens")
        .isZero();
  }

  @Test
  @Order(2)
  void anotherTenantAcceptingTheIssuerWithoutAudiencesDoesNotMakeItsTokensAmbiguous()
      throws Exception {
    // team-a's route now uses team-b's real key set, still without audiences: its users' tokens
    // work on team-a, and team-b's tokens are still team-b's, not 403 ambiguous_namespace.
    gateway.rewrite("tenants", "tenants.yaml", Map.of("SQUAT_JWKS", jwksUrl + "/good"));
    String carol = token(TEAM_B_ISSUER, "team-a-app", "carol");
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> call(carol, "demo-chat").statusCode() == 200);
    String bob = token(TEAM_B_ISSUER, "team-b-gateway", "bob");
    for (int i = 0; i < 3; i++) {
      assertServed(call(bob, "demo-chat"));
    }
  }

  @Test
  void aKeySetServerThatRedirectsIsRefused() throws Exception {
    assertKeysRefused("https://idp.redirect.example", "redirect-chat");
  }

  @Test
  void aKeySetServerSendingAnEndlessBodyIsRefusedWithinBounds() throws Exception {
    assertKeysRefused("https://idp.endless.example", "endless-chat");
    assertOthersUnaffected();
  }

  @Test
  void aKeySetServerThatStallsIsRefusedWithinBounds() throws Exception {
    assertKeysRefused("https://idp.stall.example", "stall-chat");
    assertOthersUnaffected();
  }

  /** Other tenants' tokens are answered as quickly as ever. */
  static void assertOthersUnaffected() throws Exception {
    long start = System.nanoTime();
    assertServed(call(token(TEAM_B_ISSUER, "team-b-gateway", "bob"), "demo-chat"));
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(BOUND);
  }
}
