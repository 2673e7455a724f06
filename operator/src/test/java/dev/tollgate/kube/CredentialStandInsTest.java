package dev.tollgate.kube;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.api.v1alpha1.ModelProvider;
import dev.tollgate.api.v1alpha1.ResourceStatus;
import dev.tollgate.model.GatewayModel;
import dev.tollgate.model.GatewayModelBuilder;
import dev.tollgate.model.source.LoadResult;
import dev.tollgate.model.source.ManifestReader;
import dev.tollgate.model.source.ResourceSnapshot;
import dev.tollgate.testkit.RepoRoot;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CredentialStandInsTest {
  static final ResourceSnapshot MULTI_TEAM = load();

  static ResourceSnapshot load() {
    LoadResult loaded =
        new ManifestReader().readFolder(RepoRoot.resolve("examples").resolve("multi-team"));
    assertThat(loaded.errors()).isEmpty();
    return loaded.snapshot();
  }

  static ResourceSnapshot withSecrets(ResourceSnapshot s, List<Secret> secrets) {
    return new ResourceSnapshot(s.providers(), s.routes(), s.quotas(), secrets, s.namespaces());
  }

  static List<Secret> clientKeys(ResourceSnapshot s) {
    return s.secrets().stream()
        .filter(
            x ->
                x.getMetadata().getLabels() != null
                    && "true".equals(x.getMetadata().getLabels().get("tollgate.dev/client-key")))
        .toList();
  }

  @Test
  void withoutReadingAProviderKeyTheRolesBuildTheOperatorsProvidersRoutesAndQuotas() {
    GatewayModel operator = GatewayModelBuilder.build(MULTI_TEAM);
    CredentialStandIns standIns = new CredentialStandIns();
    GatewayModel processor =
        GatewayModelBuilder.build(
            withSecrets(
                MULTI_TEAM, standIns.around(MULTI_TEAM.providers(), clientKeys(MULTI_TEAM))));
    GatewayModel rateLimit =
        GatewayModelBuilder.build(
            withSecrets(MULTI_TEAM, standIns.around(MULTI_TEAM.providers(), List.of())));

    assertThat(operator.providers()).hasSize(3);
    for (GatewayModel role : List.of(processor, rateLimit)) {
      assertThat(role.routes()).isEqualTo(operator.routes());
      assertThat(role.quotas()).isEqualTo(operator.quotas());
      assertThat(role.providers())
          .extracting(GatewayModel.Provider::name)
          .isEqualTo(operator.providers().stream().map(GatewayModel.Provider::name).toList());
      // No provider key is in the role's model: only the stand-in, unknown outside the process.
      assertThat(role.credentialValues().values())
          .doesNotContainAnyElementsOf(operator.credentialValues().values());
    }
    assertThat(processor.clients()).isEqualTo(operator.clients()).isNotEmpty();
    assertThat(rateLimit.clients()).isEmpty();
  }

  @Test
  void aProviderTheOperatorFoundWithoutItsSecretGetsNoStandIn() {
    ModelProvider openai =
        MULTI_TEAM.providers().stream()
            .filter(p -> p.getMetadata().getName().equals("openai"))
            .findFirst()
            .orElseThrow();
    openai.getMetadata().setGeneration(3L);
    ResourceStatus status = new ResourceStatus();
    status.conditions.add(resolvedRefsFalse(3L));
    openai.setStatus(status);
    try {
      List<Secret> standIns = new CredentialStandIns().around(MULTI_TEAM.providers(), List.of());
      assertThat(standIns)
          .extracting(s -> s.getMetadata().getName())
          .containsExactlyInAnyOrder("azure-eu-key");
      // A status about an older spec (the credential may have been pointed elsewhere) is stale.
      openai.getMetadata().setGeneration(4L);
      assertThat(new CredentialStandIns().around(MULTI_TEAM.providers(), List.of()))
          .extracting(s -> s.getMetadata().getName())
          .containsExactlyInAnyOrder("azure-eu-key", "openai-key");
    } finally {
      openai.setStatus(null);
      openai.getMetadata().setGeneration(null);
    }
  }

  @Test
  void aReadSecretKeepsItsValuesAndGetsOnlyTheMissingKey() {
    Secret named =
        new io.fabric8.kubernetes.api.model.SecretBuilder()
            .withNewMetadata()
            .withNamespace("platform")
            .withName("openai-key")
            .endMetadata()
            .withStringData(Map.of("other", "kept"))
            .build();
    List<Secret> out = new CredentialStandIns().around(MULTI_TEAM.providers(), List.of(named));
    Secret merged =
        out.stream()
            .filter(s -> s.getMetadata().getName().equals("openai-key"))
            .findFirst()
            .orElseThrow();
    assertThat(merged.getStringData()).containsEntry("other", "kept").hasSize(2);
  }

  static Condition resolvedRefsFalse(long generation) {
    return new ConditionBuilder()
        .withType("ResolvedRefs")
        .withStatus("False")
        .withReason("SecretNotFound")
        .withObservedGeneration(generation)
        .build();
  }
}
