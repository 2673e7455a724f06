package dev.tollgate.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClientKeyWatchTest {
  private static final String SNAPSHOT =
      """
      apiVersion: v1
      kind: Secret
      metadata: {name: key, namespace: ai}
      stringData: {apiKey: sk-provider-1234567890}
      ---
      apiVersion: tollgate.dev/v1alpha1
      kind: ModelProvider
      metadata: {name: p, namespace: ai}
      spec:
        type: OpenAI
        endpoint: {url: "https://api.openai.com"}
        credentials: {name: key}
        models: [{name: m}]
      ---
      apiVersion: v1
      kind: Secret
      metadata:
        name: labelled
        namespace: ai
        labels: {app: bots, tollgate.dev/client-key: "true"}
      stringData: {apiKey: tg-labelled-0123456789}
      ---
      apiVersion: v1
      kind: Secret
      metadata:
        name: unlabelled
        namespace: ai
        labels: {app: bots}
      stringData: {apiKey: tg-unlabelled-0123456789}
      ---
      apiVersion: tollgate.dev/v1alpha1
      kind: AIRoute
      metadata: {name: bots, namespace: ai}
      spec:
        clients: {apiKeys: {secretSelector: {matchLabels: {app: bots}}}}
        rules:
          - models: [m]
            backends: [{provider: {name: p}, model: m}]
      ---
      apiVersion: tollgate.dev/v1alpha1
      kind: AIRoute
      metadata: {name: other, namespace: ai}
      spec:
        clients: {apiKeys: {secretSelector: {matchLabels: {tollgate.dev/client-key: "true"}}}}
        rules:
          - models: [n]
            backends: [{provider: {name: p}, model: m}]
      """;

  @Test
  void readsTheKubernetesSelectorSyntax() {
    ClientKeyWatch watch =
        ClientKeyWatch.parse(" tollgate.dev/client-key=true, tier in (a, b),!old");

    assertThat(watch.reads(Map.of("tollgate.dev/client-key", "true", "tier", "b"))).isTrue();
    assertThat(watch.reads(Map.of("tollgate.dev/client-key", "true", "tier", "c"))).isFalse();
    assertThat(watch.reads(Map.of("tollgate.dev/client-key", "true", "tier", "a", "old", "x")))
        .isFalse();
    assertThat(watch.reads(Map.of("tier", "a"))).isFalse();
    assertThat(ClientKeyWatch.parse("team!=b").reads(Map.of())).isTrue();
    assertThat(ClientKeyWatch.parse("team!=b").reads(Map.of("team", "b"))).isFalse();
    assertThat(ClientKeyWatch.parse("team==a,keys").reads(Map.of("team", "a", "keys", "")))
        .isTrue();
    assertThat(ClientKeyWatch.parse("team notin (a)").reads(Map.of("team", "a"))).isFalse();
  }

  @Test
  void blankReadsEverySecret() {
    assertThat(ClientKeyWatch.parse("  ").everySecret()).isTrue();
    assertThat(ClientKeyWatch.parse(null).reads(Map.of())).isTrue();
  }

  @Test
  void anUnreadableSelectorIsRefusedNamingThePart() {
    assertThatThrownBy(() -> ClientKeyWatch.parse("a=b,c d"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'c d'")
        .hasMessageContaining("key=value");
    assertThatThrownBy(() -> ClientKeyWatch.parse("a in ()")).hasMessageContaining("'a in ()'");
  }

  @Test
  void aClientSecretTheProcessorDoesNotReadIsReportedAndLeftOutWhileTheOthersServe() {
    GatewayModel model =
        GatewayModelBuilder.build(
            Fixtures.snapshot(SNAPSHOT),
            ProviderPolicy.UNRESTRICTED.withClientKeySelector(ClientKeyWatch.DEFAULT_SELECTOR));

    assertThat(model.clients())
        .extracting(GatewayModel.Client::secretName, GatewayModel.Client::routes)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("labelled", List.of("bots", "other")));
    List<Condition> bots = conditions(model, "bots");
    assertThat(bots.get(0)).extracting(Condition::status).isEqualTo("True");
    assertThat(bots.get(1))
        .extracting(Condition::status, Condition::reason)
        .containsExactly("False", Reasons.CLIENT_KEY_NOT_WATCHED);
    assertThat(bots.get(1).message())
        .contains("Secret ai/unlabelled does not match 'tollgate.dev/client-key=true'")
        .contains("--client-key-selector (chart: watch.clientKeySelector)")
        .contains("401 invalid_api_key")
        .contains("kubectl label secret -n ai unlabelled tollgate.dev/client-key=true")
        .doesNotContain("tg-unlabelled");
    assertThat(conditions(model, "other"))
        .extracting(Condition::status)
        .containsExactly("True", "True");
  }

  @Test
  void withoutASelectorEveryClientSecretIsKept() {
    GatewayModel model = GatewayModelBuilder.build(Fixtures.snapshot(SNAPSHOT));

    assertThat(model.clients())
        .extracting(GatewayModel.Client::secretName)
        .containsExactly("labelled", "unlabelled");
    assertThat(conditions(model, "bots"))
        .extracting(Condition::status)
        .containsExactly("True", "True");
  }

  @Test
  void aSelectorNoSingleLabelMeetsGetsAFixWithoutACommand() {
    GatewayModel model =
        GatewayModelBuilder.build(
            Fixtures.snapshot(SNAPSHOT),
            ProviderPolicy.UNRESTRICTED.withClientKeySelector("tollgate.dev/client-key,app!=bots"));

    assertThat(conditions(model, "bots").get(1).message())
        .contains("label the Secret so that it matches 'tollgate.dev/client-key,app!=bots'")
        .doesNotContain("kubectl");
  }

  private static List<Condition> conditions(GatewayModel model, String route) {
    return model.statuses().stream()
        .filter(s -> s.resource().equals(new ResourceRef("AIRoute", "ai", route)))
        .findFirst()
        .orElseThrow()
        .conditions();
  }
}
