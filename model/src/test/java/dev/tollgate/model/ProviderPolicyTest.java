package dev.tollgate.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ProviderPolicyTest {
  private static final String PROVIDER =
      """
      apiVersion: tollgate.dev/v1alpha1
      kind: ModelProvider
      metadata: {name: p, namespace: %s}
      spec:
        type: OpenAICompatible
        endpoint: %s
        models: [{name: m1}]
      """;

  private static final ProviderPolicy DEFAULT = ProviderPolicy.of(List.of(), List.of(), false);

  private static ResourceStatusReport status(
      ProviderPolicy policy, String namespace, String endpoint) {
    GatewayModel model =
        GatewayModelBuilder.build(
            Fixtures.snapshot(PROVIDER.formatted(namespace, endpoint)), policy);
    return model.statuses().get(0);
  }

  private static Condition accepted(ProviderPolicy policy, String endpoint) {
    return status(policy, "team-a", endpoint).conditions().get(0);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{url: 'http://127.0.0.1:8200'}",
        "{url: 'http://127.9.9.9:8200'}",
        "{url: 'http://10.0.0.7'}",
        "{url: 'http://172.20.1.1'}",
        "{url: 'http://192.168.1.1'}",
        "{url: 'http://100.64.0.1'}",
        "{url: 'http://169.254.169.254/latest'}",
        "{url: 'http://0.0.0.0:8200'}",
        "{url: 'http://[::1]:8200'}",
        "{url: 'http://[fd00:ec2::254]'}",
        "{url: 'http://[fe80::1]'}",
        "{url: 'http://[::ffff:127.0.0.1]'}",
        "{url: 'http://localhost:8200'}",
        "{url: 'http://vault.localhost'}",
        "{url: 'http://vault:8200'}",
        "{url: 'http://vault.vault.svc:8200'}",
        "{url: 'http://vault.vault.svc.cluster.local:8200'}",
        "{url: 'http://metadata.google.internal'}",
        "{url: 'http://2130706433:8200'}",
        "{url: 'http://0x7f000001:8200'}",
        "{url: 'http://0177.0.0.1:8200'}",
        "{url: 'http://localhost.:8200'}",
        "{service: {name: vault, port: 8200}}"
      })
  void refusesInternalEndpointsByDefault(String endpoint) {
    Condition condition = accepted(DEFAULT, endpoint);
    assertThat(condition.status()).isEqualTo("False");
    assertThat(condition.reason()).isEqualTo(Reasons.ENDPOINT_NOT_ALLOWED);
    assertThat(condition.message()).contains("spec.endpoint");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{url: 'https://api.openai.com'}",
        "{url: 'https://my-res.openai.azure.com/openai'}",
        "{url: 'http://8.8.8.8'}",
        "{url: 'http://[2606:4700::1111]'}"
      })
  void allowsPublicEndpointsByDefault(String endpoint) {
    assertThat(accepted(DEFAULT, endpoint).status()).isEqualTo("True");
  }

  @Test
  void aShortenedAddressIsNotAHostName() {
    Condition condition = accepted(DEFAULT, "{url: 'http://127.1:8200'}");
    assertThat(condition.status()).isEqualTo("False");
    assertThat(condition.reason()).isEqualTo(Reasons.INVALID);
  }

  @Test
  void theMessageNamesTheEndpointAndTheSetting() {
    Condition condition = accepted(DEFAULT, "{url: 'http://127.0.0.1:8200'}");
    assertThat(condition.message())
        .isEqualTo(
            "spec.endpoint.url: endpoint 127.0.0.1:8200 is a loopback address, refused unless"
                + " listed in the provider endpoint allow-list "
                + ProviderPolicy.ENDPOINTS_SETTING);
  }

  @Test
  void listedEntriesAllowInternalEndpoints() {
    ProviderPolicy policy =
        ProviderPolicy.of(
            List.of(),
            List.of(
                "127.0.0.1:10003",
                "10.20.0.0/16",
                "*.models.svc.cluster.local",
                "[::1]:8000",
                "vllm"),
            false);
    assertThat(accepted(policy, "{url: 'http://127.0.0.1:10003'}").status()).isEqualTo("True");
    assertThat(accepted(policy, "{url: 'http://127.0.0.1:8200'}").status()).isEqualTo("False");
    assertThat(accepted(policy, "{url: 'http://10.20.3.4:80'}").status()).isEqualTo("True");
    assertThat(accepted(policy, "{url: 'http://10.21.3.4:80'}").status()).isEqualTo("False");
    assertThat(accepted(policy, "{url: 'http://[::1]:8000'}").status()).isEqualTo("True");
    assertThat(accepted(policy, "{url: 'http://vllm:8000'}").status()).isEqualTo("True");
    assertThat(
            status(policy, "models", "{service: {name: vllm, port: 8000}}")
                .conditions()
                .get(0)
                .status())
        .isEqualTo("True");
    assertThat(accepted(policy, "{service: {name: vault, port: 8200}}").status())
        .isEqualTo("False");
  }

  @Test
  void onlyListedRefusesPublicEndpointsThatAreNotListed() {
    ProviderPolicy policy = ProviderPolicy.of(List.of(), List.of("*.openai.azure.com"), true);
    assertThat(accepted(policy, "{url: 'https://x.openai.azure.com'}").status()).isEqualTo("True");
    Condition other = accepted(policy, "{url: 'https://evil.example.com'}");
    assertThat(other.status()).isEqualTo("False");
    assertThat(other.message()).contains("evil.example.com:443 is not listed");
  }

  @Test
  void providersOutsideTheHonouredNamespacesAreRefused() {
    ProviderPolicy policy = ProviderPolicy.of(List.of("tollgate-system", "ai"), List.of(), false);
    ResourceStatusReport team = status(policy, "team-a", "{url: 'https://api.openai.com'}");
    assertThat(team.conditions().get(0).reason()).isEqualTo(Reasons.NAMESPACE_NOT_ALLOWED);
    assertThat(team.conditions().get(0).message())
        .isEqualTo(
            "metadata.namespace: ModelProviders are honoured only in the namespaces ai,"
                + " tollgate-system: create it there, or add team-a to "
                + ProviderPolicy.NAMESPACES_SETTING);
    assertThat(status(policy, "ai", "{url: 'https://api.openai.com'}").conditions().get(0).status())
        .isEqualTo("True");
  }

  @Test
  void aRefusedProviderIsLeftOutOfTheModel() {
    GatewayModel model =
        GatewayModelBuilder.build(
            Fixtures.snapshot(PROVIDER.formatted("team-a", "{url: 'http://127.0.0.1:8200'}")),
            DEFAULT);
    assertThat(model.providers()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"", "*.", "10.0.0.0/33", "host:0", "host:70000", "[::1", "a b", "1.2.3.4/x"})
  void badEntriesAreRefusedWithTheirText(String entry) {
    assertThatThrownBy(() -> EndpointRule.parse(entry))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'" + entry + "' is not a provider endpoint entry");
  }
}
