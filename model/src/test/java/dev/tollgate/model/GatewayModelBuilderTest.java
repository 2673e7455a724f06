package dev.tollgate.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.api.v1alpha1.QuotaMode;
import dev.tollgate.api.v1alpha1.RetryOn;
import dev.tollgate.model.source.ResourceSnapshot;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class GatewayModelBuilderTest {
  private static final String PROVIDER =
      """
      apiVersion: v1
      kind: Secret
      metadata: {name: key, namespace: ai}
      stringData: {apiKey: %s}
      ---
      apiVersion: tollgate.dev/v1alpha1
      kind: ModelProvider
      metadata: {name: p, namespace: ai}
      spec:
        type: OpenAI
        endpoint: {url: "https://api.openai.com"}
        credentials: {name: key}
        models: [{name: m}]
      """;

  private static String route(String name, String created, String model) {
    return """
        ---
        apiVersion: tollgate.dev/v1alpha1
        kind: AIRoute
        metadata: {name: %s, namespace: ai, creationTimestamp: "%s"}
        spec:
          clients: {jwt: {issuer: "https://i.example", jwksUri: "https://i.example/jwks"}}
          rules:
            - models: [%s]
              backends: [{provider: {name: p}, model: m}]
        """
        .formatted(name, created, model);
  }

  @Test
  void sameResourcesInAnyOrderGiveAnIdenticalModelAndVersion() throws Exception {
    ResourceSnapshot snapshot = Fixtures.example("multi-team");
    GatewayModel first = GatewayModelBuilder.build(snapshot);
    Random random = new Random(7);
    ObjectMapper json = new ObjectMapper();
    for (int i = 0; i < 5; i++) {
      ResourceSnapshot shuffled =
          new ResourceSnapshot(
              shuffle(snapshot.providers(), random),
              shuffle(snapshot.routes(), random),
              shuffle(snapshot.quotas(), random),
              shuffle(snapshot.secrets(), random),
              shuffle(snapshot.namespaces(), random));
      GatewayModel again = GatewayModelBuilder.build(shuffled);
      assertThat(again.version()).isEqualTo(first.version());
      assertThat(json.writeValueAsString(again)).isEqualTo(json.writeValueAsString(first));
    }
  }

  @Test
  void rotatingAProviderKeyChangesTheVersionButTheKeyIsNeverSerialized() throws Exception {
    GatewayModel before =
        GatewayModelBuilder.build(Fixtures.snapshot(PROVIDER.formatted("sk-one-1234567890")));
    GatewayModel after =
        GatewayModelBuilder.build(Fixtures.snapshot(PROVIDER.formatted("sk-two-1234567890")));
    assertThat(after.version()).isNotEqualTo(before.version());
    String serialized = new ObjectMapper().writeValueAsString(after);
    assertThat(serialized).doesNotContain("sk-two-1234567890");
    assertThat(after.credentialValue(after.provider("ai", "p").orElseThrow()))
        .isEqualTo("sk-two-1234567890");
  }

  @Test
  void olderRouteKeepsAModelNameBothClaimWhateverTheirOrder() {
    String yaml =
        PROVIDER.formatted("sk-one-1234567890")
            + route("newer", "2026-03-01T00:00:00Z", "fast")
            + route("older", "2026-01-01T00:00:00Z", "fast");
    GatewayModel model = GatewayModelBuilder.build(Fixtures.snapshot(yaml));
    assertThat(model.routes()).extracting(GatewayModel.Route::name).containsExactly("older");
    var newer = model.status(new ResourceRef("AIRoute", "ai", "newer")).orElseThrow();
    assertThat(newer.accepted()).isFalse();
    assertThat(newer.conditions().get(0).reason()).isEqualTo(Reasons.CONFLICTED);
    assertThat(newer.conditions().get(0).message()).contains("ai/older");
  }

  @Test
  void defaultsAreAppliedWithoutChangingTheSpec() {
    String yaml =
        PROVIDER.formatted("sk-one-1234567890")
            + route("r", "2026-01-01T00:00:00Z", "m")
            + """
            ---
            apiVersion: tollgate.dev/v1alpha1
            kind: TokenQuota
            metadata: {name: q, namespace: ai}
            spec:
              limits: [{name: t, type: Tokens, amount: "100", window: 1m}]
            """;
    ResourceSnapshot snapshot = Fixtures.snapshot(yaml);
    GatewayModel model = GatewayModelBuilder.build(snapshot);
    GatewayModel.Rule rule = model.routes().get(0).rules().get(0);
    assertThat(rule.timeoutMillis()).isEqualTo(300_000);
    assertThat(rule.retry().attempts()).isEqualTo(2);
    assertThat(rule.retry().on()).containsExactly(RetryOn.values());
    GatewayModel.Quota quota = model.quotas().get(0);
    assertThat(quota.mode()).isEqualTo(QuotaMode.Enforce);
    assertThat(quota.warnAtPercent()).isEqualTo(80);
    assertThat(quota.timeZone()).isEqualTo("UTC");
    assertThat(snapshot.routes().get(0).getSpec().rules.get(0).timeout).isNull();
    assertThat(snapshot.quotas().get(0).getSpec().mode).isNull();
  }

  @Test
  void everyExampleResourceIsAcceptedWithResolvedReferences() {
    for (String example : List.of("quickstart", "multi-team")) {
      GatewayModel model = GatewayModelBuilder.build(Fixtures.example(example));
      assertThat(model.statuses()).isNotEmpty();
      assertThat(model.statuses())
          .allSatisfy(
              s ->
                  assertThat(s.conditions())
                      .as(s.resource().toString())
                      .allMatch(Condition::holds));
    }
  }

  @Test
  void clientKeysAreHeldOnlyAsHashes() throws Exception {
    GatewayModel model = GatewayModelBuilder.build(Fixtures.example("quickstart"));
    assertThat(model.clients())
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.clientId()).isEqualTo("alice");
              assertThat(c.keySha256())
                  .isEqualTo(GatewayModelBuilder.sha256("tg-quickstart-alice-0001"));
            });
    assertThat(new ObjectMapper().writeValueAsString(model))
        .doesNotContain("tg-quickstart-alice-0001");
  }

  private static <T> List<T> shuffle(List<T> list, Random random) {
    List<T> copy = new ArrayList<>(list);
    Collections.shuffle(copy, random);
    return copy;
  }
}
