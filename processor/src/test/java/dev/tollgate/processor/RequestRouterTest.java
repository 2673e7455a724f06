package dev.tollgate.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.tollgate.model.GatewayModel;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RequestRouterTest {
  private static final String ISSUER = "https://issuer.example";
  private static final Policy POLICY = Policy.of(TestModels.standard(), new TokenEstimator(4096));

  private static Caller alice() {
    GatewayModel.Client key = POLICY.clientByKeyHash(Policy.sha256(TestModels.ALICE_KEY));
    return new Caller(
        Caller.API_KEY, key.namespace(), key.clientId(), POLICY.routesOf(key), Map.of());
  }

  private static Caller token(Map<String, String> claims) {
    return new Caller(Caller.JWT, null, null, POLICY.jwtRoutes(ISSUER), claims);
  }

  private static Rejection refusal(Caller caller, String model) {
    return catchThrowableOfType(
            Rejection.Exception.class, () -> RequestRouter.route(POLICY, caller, model))
        .rejection();
  }

  @Test
  void routesAnApiKeyToTheRuleOfItsNamespaceWithTheUpstreamModelRewrite()
      throws Rejection.Exception {
    Caller alice = alice();

    RequestRouter.RoutingDecision decision = RequestRouter.route(POLICY, alice, "fast");

    assertThat(decision.namespace()).isEqualTo("team-a");
    assertThat(decision.target().route().name()).isEqualTo("chat");
    assertThat(decision.requestedModel()).isEqualTo("fast");
    assertThat(decision.target().upstreamModelRewrite()).isEqualTo("gpt-4o-mini");
    assertThat(decision.target().onlyProvider()).isEqualTo("team-a/openai");
    assertThat(decision.client()).isEqualTo(alice.clientId());
  }

  @Test
  void keepsTheModelWhenTheRuleServesSeveralUpstreamModels() throws Rejection.Exception {
    RequestRouter.RoutingDecision decision = RequestRouter.route(POLICY, alice(), "split");

    assertThat(decision.target().upstreamModelRewrite()).isNull();
    assertThat(decision.target().modelPerAttempt()).isTrue();
    assertThat(decision.target().onlyProvider()).isNull();
    // gpt-4o-mini's o200k_base and llama's stand-in cl100k_base: the estimate takes the larger.
    assertThat(decision.target().estimateEncodings()).hasSize(2);
  }

  @Test
  void refusesAModelOfAnotherNamespaceAsNotFoundListingTheCallersModels() {
    Rejection r = refusal(alice(), "other");

    assertThat(r.status()).isEqualTo(404);
    assertThat(r.code()).isEqualTo("model_not_found");
    assertThat(r.param()).isEqualTo("model");
    assertThat(r.message()).contains("'other'").contains("fast, gpt-4o-mini, small, split");
  }

  @Test
  void refusesAKeyThatTheRouteServingTheModelDoesNotList() {
    Caller alice = alice();
    Caller withoutRoutes =
        new Caller(Caller.API_KEY, alice.namespace(), alice.clientId(), List.of(), Map.of());

    assertThat(refusal(withoutRoutes, "fast").code()).isEqualTo("model_not_found");
  }

  @Test
  void routesATokenToTheNamespaceOfTheRouteThatServesTheModelUnderItsClientClaim()
      throws Rejection.Exception {
    RequestRouter.RoutingDecision decision =
        RequestRouter.route(POLICY, token(Map.of("azp", "svc-1")), "other");

    assertThat(decision.namespace()).isEqualTo("team-b");
    assertThat(decision.target().route().name()).isEqualTo("assist");
    assertThat(decision.client()).isEqualTo("svc-1");
  }

  @Test
  void refusesATokenWithoutAUsableClientClaim() {
    assertThat(refusal(token(Map.of()), "other").code()).isEqualTo("invalid_client_id");
    assertThat(refusal(token(Map.of("azp", "has space")), "other").status()).isEqualTo(403);
  }

  @Test
  void refusesATokenThatRoutesOfTwoNamespacesAcceptForTheSameModel() {
    Policy.RouteView teamA = POLICY.routes("team-a").get(0);
    Policy.RouteView lookalike = new Policy.RouteView("team-b", "copy", null, teamA.models());
    Caller caller = new Caller(Caller.JWT, null, null, List.of(teamA, lookalike), Map.of());

    Rejection r = refusal(caller, "fast");

    assertThat(r.status()).isEqualTo(403);
    assertThat(r.code()).isEqualTo("ambiguous_namespace");
  }
}
