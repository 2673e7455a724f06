package dev.tollgate.processor;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.tollgate.testkit.MutableClock;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One namespace's JWT settings never change the answers for another's tokens: team-b accepts its
 * issuer's tokens with audience {@code tollgate}; team-a names the same issuer for the same model.
 */
class JwtTenantIsolationTest {
  static final String ISSUER = "https://issuer.example";
  static KeyPair keys;

  @BeforeAll
  static void keys() throws Exception {
    KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
    rsa.initialize(2048);
    keys = rsa.generateKeyPair();
  }

  HttpServer server;
  final AtomicReference<String> goodSet = new AtomicReference<>();
  final AtomicInteger goodFetches = new AtomicInteger();
  final AtomicInteger brokenFetches = new AtomicInteger();
  MutableClock clock;
  JwtAuthenticator authenticator;

  @BeforeEach
  void start() throws Exception {
    goodSet.set(JwtAuthenticatorTest.set("k", keys));
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    server.createContext(
        "/good",
        exchange -> {
          goodFetches.incrementAndGet();
          byte[] body = goodSet.get().getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(body.length == 0 ? 500 : 200, body.length == 0 ? -1 : 0);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    server.createContext(
        "/broken",
        exchange -> {
          brokenFetches.incrementAndGet();
          exchange.sendResponseHeaders(500, -1);
          exchange.close();
        });
    server.start();
    clock = new MutableClock(JwtAuthenticatorTest.NOW);
    authenticator = JwtAuthenticatorTest.local(clock);
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  String uri(String path) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  /**
   * The shared test model plus a route of team-a naming team-b's issuer for team-b's model, created
   * after team-b's route.
   */
  Policy policy(String squatterJwks, String squatterAudiences) {
    String yaml =
        TestModels.yaml(9, ISSUER, uri("/good"))
            + """
            ---
            apiVersion: tollgate.dev/v1alpha1
            kind: AIRoute
            metadata: {name: squat, namespace: team-a, creationTimestamp: "2026-06-01T00:00:00Z"}
            spec:
              clients:
                jwt: {issuer: "%s", jwksUri: "%s", %s clientClaim: azp}
              rules:
                - models: [other]
                  backends:
                    - {provider: {name: local}, model: llama}
            """
                .formatted(ISSUER, squatterJwks, squatterAudiences);
    return Policy.of(TestModels.build(yaml), new TokenEstimator(4096));
  }

  static String token(String audience) throws Exception {
    return Tokens.rs256(
        keys,
        "k",
        "{\"iss\":\""
            + ISSUER
            + "\",\"aud\":\""
            + audience
            + "\",\"azp\":\"svc\",\"exp\":"
            + JwtAuthenticatorTest.EXP
            + "}");
  }

  /** The namespace the request for {@code model} is routed to, or the refusal's status and code. */
  Object routed(Policy policy, String token, String model) throws Exception {
    try {
      Caller caller = authenticator.authenticate(token, policy).get(10, TimeUnit.SECONDS);
      return RequestRouter.route(policy, caller, model).namespace();
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable cause = e.getCause();
      while (cause instanceof CompletionException && cause.getCause() != null) {
        cause = cause.getCause();
      }
      return cause instanceof Rejection.Exception r
          ? r.rejection().status() + " " + r.rejection().code()
          : cause;
    } catch (Rejection.Exception r) {
      return r.rejection().status() + " " + r.rejection().code();
    }
  }

  @Test
  void anotherNamespacesBrokenKeySetUrlNeitherFailsNorIsFetchedForPinnedTokens() throws Exception {
    Policy policy = policy(uri("/broken"), "");
    assertThat(routed(policy, token("tollgate"), "other")).isEqualTo("team-b");
    clock.advance(Duration.ofSeconds(5));
    assertThat(routed(policy, token("tollgate"), "other")).isEqualTo("team-b");
    assertThat(brokenFetches.get()).isZero();
  }

  @Test
  void anotherNamespacesRouteWithoutAudiencesDoesNotMakePinnedTokensAmbiguous() throws Exception {
    Policy policy = policy(uri("/good"), "");
    assertThat(routed(policy, token("tollgate"), "other")).isEqualTo("team-b");
    // Tokens for another audience are the open route's: team-a still gets its own users.
    assertThat(routed(policy, token("team-a-app"), "other")).isEqualTo("team-a");
  }

  @Test
  void anOpenRouteIsNotTriedWhenThePinnedRoutesKeysAreDown() throws Exception {
    Policy policy = policy(uri("/good"), "");
    goodSet.set("");
    // team-b's own identity provider is down: its users get 503, never team-a's route.
    assertThat(routed(policy, token("tollgate"), "other"))
        .isEqualTo("503 identity_provider_unavailable");
  }

  @Test
  void anOpenRouteWithABrokenKeySetAnswers503OnlyForTheTokensItWouldTake() throws Exception {
    Policy policy = policy(uri("/broken"), "");
    assertThat(routed(policy, token("team-a-app"), "other"))
        .isEqualTo("503 identity_provider_unavailable");
    assertThat(routed(policy, token("tollgate"), "other")).isEqualTo("team-b");
  }

  @Test
  void aLaterNamespacePinningTheSameAudienceDoesNotMakeTheOwnersTokensAmbiguous() throws Exception {
    // team-b's route is the older: it owns audience "tollgate"; team-a's pin of it is dropped.
    Policy policy = policy(uri("/good"), "audiences: [tollgate],");
    assertThat(routed(policy, token("tollgate"), "other")).isEqualTo("team-b");
    Policy both = policy(uri("/good"), "audiences: [tollgate, team-a-app],");
    assertThat(routed(both, token("tollgate"), "other")).isEqualTo("team-b");
    assertThat(routed(both, token("team-a-app"), "other")).isEqualTo("team-a");
  }

  @Test
  void aPinnedRouteWithAnotherKeySetDoesNotTakeTokensItsKeysDoNotVerify() throws Exception {
    Policy policy = policy(uri("/broken"), "audiences: [tollgate],");
    // Both routes are candidates; team-a's keys are down, team-b's verify: team-b answers.
    assertThat(routed(policy, token("tollgate"), "other")).isEqualTo("team-b");
  }
}
