package dev.tollgate.processor;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.tollgate.testkit.MutableClock;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.EdECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** JWT checks against key sets served over HTTP by a local server. */
class JwtAuthenticatorTest {
  static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  static final long EXP = NOW.getEpochSecond() + 300;

  static KeyPair rsaA;
  static KeyPair rsaB;

  @org.junit.jupiter.api.BeforeAll
  static void keys() throws Exception {
    KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
    rsa.initialize(2048);
    rsaA = rsa.generateKeyPair();
    rsaB = rsa.generateKeyPair();
  }

  HttpServer server;
  final AtomicReference<String> jwks = new AtomicReference<>("{\"keys\":[]}");
  final AtomicInteger fetches = new AtomicInteger();
  MutableClock clock;
  JwtAuthenticator authenticator;
  Policy policy;

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    server.createContext(
        "/jwks",
        exchange -> {
          fetches.incrementAndGet();
          byte[] body = jwks.get().getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(
              body.length == 0 ? 500 : 200, body.length == 0 ? -1 : body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    server.start();
    clock = new MutableClock(NOW);
    String uri = "http://127.0.0.1:" + server.getAddress().getPort() + "/jwks";
    authenticator = local(clock);
    policy =
        Policy.of(
            TestModels.build(TestModels.yaml(9, "https://issuer.example", uri)),
            new TokenEstimator(4096));
  }

  /** An authenticator fetching from loopback http (allowed), with the processor's defaults. */
  static JwtAuthenticator local(MutableClock clock) {
    return new JwtAuthenticator(
        new HttpJwksSource(
            JwksFetchPolicy.defaults().withLocalAllowed(true, true),
            clock,
            Duration.ofMinutes(10),
            Duration.ofSeconds(30)),
        clock,
        Duration.ofSeconds(60),
        Duration.ofSeconds(2));
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  static String claims() {
    return "{\"iss\":\"https://issuer.example\",\"aud\":\"tollgate\",\"azp\":\"svc\",\"exp\":"
        + EXP
        + "}";
  }

  static String b64(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  static String b64(BigInteger n, int length) {
    byte[] raw = n.toByteArray();
    byte[] out = new byte[length];
    int copy = Math.min(raw.length, length);
    System.arraycopy(raw, raw.length - copy, out, length - copy, copy);
    return b64(out);
  }

  Object outcome(String token) throws Exception {
    try {
      return authenticator.authenticate(token, policy).get(10, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable cause = e.getCause();
      while (cause instanceof CompletionException && cause.getCause() != null) {
        cause = cause.getCause();
      }
      return cause instanceof Rejection.Exception r ? r.rejection().status() : cause;
    }
  }

  @Test
  void acceptsRsaEcAndEd25519SignaturesFromTheFetchedKeySet() throws Exception {
    KeyPair r = rsaA;
    KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
    ec.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair e = ec.generateKeyPair();
    KeyPair ed = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    RSAPublicKey rp = (RSAPublicKey) r.getPublic();
    ECPublicKey ep = (ECPublicKey) e.getPublic();
    byte[] edEncoded = ed.getPublic().getEncoded();
    byte[] edX = java.util.Arrays.copyOfRange(edEncoded, edEncoded.length - 32, edEncoded.length);
    assertThat(ed.getPublic()).isInstanceOf(EdECPublicKey.class);
    jwks.set(
        "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"r\",\"n\":\""
            + b64(rp.getModulus(), 256)
            + "\",\"e\":\""
            + b64(rp.getPublicExponent().toByteArray())
            + "\"},{\"kty\":\"EC\",\"kid\":\"e\",\"crv\":\"P-256\",\"x\":\""
            + b64(ep.getW().getAffineX(), 32)
            + "\",\"y\":\""
            + b64(ep.getW().getAffineY(), 32)
            + "\"},{\"kty\":\"OKP\",\"kid\":\"d\",\"crv\":\"Ed25519\",\"x\":\""
            + b64(edX)
            + "\"},{\"kty\":\"oct\",\"kid\":\"h\",\"k\":\"c2VjcmV0\"}]}");
    String rs =
        Tokens.sign("{\"alg\":\"RS256\",\"kid\":\"r\"}", claims(), r.getPrivate(), "SHA256withRSA");
    String ps =
        Tokens.sign(
            "{\"alg\":\"ES256\",\"kid\":\"e\"}",
            claims(),
            e.getPrivate(),
            "SHA256withECDSAinP1363Format");
    String eddsa =
        Tokens.sign("{\"alg\":\"EdDSA\",\"kid\":\"d\"}", claims(), ed.getPrivate(), "Ed25519");
    for (String token : new String[] {rs, ps, eddsa}) {
      Object outcome = outcome(token);
      assertThat(outcome).isInstanceOf(Caller.class);
      Caller caller = (Caller) outcome;
      assertThat(caller.namespace()).isEqualTo("team-b");
      assertThat(caller.clientOn(caller.routes().get(0))).isEqualTo("svc");
    }
    assertThat(fetches.get()).isEqualTo(1);
    // A token signed with the RSA key but claiming ES256 with the RSA key's id does not verify.
    String confused =
        Tokens.sign("{\"alg\":\"ES256\",\"kid\":\"r\"}", claims(), r.getPrivate(), "SHA256withRSA");
    assertThat(outcome(confused)).isEqualTo(401);
    String hmac =
        Tokens.b64("{\"alg\":\"HS256\",\"kid\":\"h\"}") + "." + Tokens.b64(claims()) + ".AAAA";
    assertThat(outcome(hmac)).isEqualTo(401);
  }

  @Test
  void unknownKeyIdRefetchesTheSetAtMostOncePerInterval() throws Exception {
    KeyPair old = rsaA;
    KeyPair rotated = rsaB;
    jwks.set(set("old", old));
    assertThat(outcome(Tokens.rs256(old, "old", claims()))).isInstanceOf(Caller.class);
    jwks.set(set("new", rotated));
    clock.advance(Duration.ofSeconds(31));
    assertThat(outcome(Tokens.rs256(rotated, "new", claims()))).isInstanceOf(Caller.class);
    assertThat(fetches.get()).isEqualTo(2);
    for (int i = 0; i < 5; i++) {
      assertThat(outcome(Tokens.rs256(rotated, "unknown-" + i, claims()))).isEqualTo(401);
    }
    assertThat(fetches.get()).isEqualTo(2);
  }

  @Test
  void unreachableKeysGive503AndAreRetriedOnlyAfterTheInterval() throws Exception {
    KeyPair keys = rsaA;
    jwks.set("");
    assertThat(outcome(Tokens.rs256(keys, "k", claims()))).isEqualTo(503);
    assertThat(outcome(Tokens.rs256(keys, "k", claims()))).isEqualTo(503);
    assertThat(fetches.get()).isEqualTo(1);
    jwks.set(set("k", keys));
    clock.advance(Duration.ofSeconds(31));
    assertThat(outcome(Tokens.rs256(keys, "k", claims()))).isInstanceOf(Caller.class);
  }

  @Test
  void refusesTokensWithoutExpiryNotYetValidOrWithCriticalHeaders() throws Exception {
    KeyPair keys = rsaA;
    jwks.set(set("k", keys));
    String noExp =
        Tokens.rs256(
            keys, "k", "{\"iss\":\"https://issuer.example\",\"aud\":\"tollgate\",\"azp\":\"svc\"}");
    String future =
        Tokens.rs256(
            keys,
            "k",
            "{\"iss\":\"https://issuer.example\",\"aud\":\"tollgate\",\"azp\":\"svc\",\"exp\":"
                + EXP
                + ",\"nbf\":"
                + (EXP - 10)
                + "}");
    String crit =
        Tokens.sign(
            "{\"alg\":\"RS256\",\"kid\":\"k\",\"crit\":[\"x\"]}",
            claims(),
            keys.getPrivate(),
            "SHA256withRSA");
    String otherIssuer =
        Tokens.rs256(keys, "k", claims().replace("issuer.example", "evil.example"));
    String noClient = Tokens.rs256(keys, "k", claims().replace("\"azp\"", "\"sub\""));
    assertThat(outcome(noExp)).isEqualTo(401);
    assertThat(outcome(future)).isEqualTo(401);
    assertThat(outcome(crit)).isEqualTo(401);
    assertThat(outcome(otherIssuer)).isEqualTo(401);
    assertThat(outcome(noClient)).isEqualTo(403);
  }

  static String set(String kid, KeyPair keys) {
    RSAPublicKey key = (RSAPublicKey) keys.getPublic();
    return "{\"keys\":[{\"kty\":\"RSA\",\"use\":\"sig\",\"alg\":\"RS256\",\"kid\":\""
        + kid
        + "\",\"n\":\""
        + b64(key.getModulus(), 256)
        + "\",\"e\":\""
        + b64(key.getPublicExponent().toByteArray())
        + "\"}]}";
  }
}
