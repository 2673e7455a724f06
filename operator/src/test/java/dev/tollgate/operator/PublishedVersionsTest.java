package dev.tollgate.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.model.GatewayModel;
import dev.tollgate.model.ResourceRef;
import dev.tollgate.operator.PublishedVersions.Publication;
import org.junit.jupiter.api.Test;

class PublishedVersionsTest {
  static final ResourceRef ASSISTANTS = new ResourceRef("AIRoute", "team-a", "assistants");
  static final ResourceRef SEARCH = new ResourceRef("AIRoute", "team-c", "search");
  static final ResourceRef OPENAI = new ResourceRef("ModelProvider", "platform", "openai");

  final String multiTeam = TestModels.example("multi-team");

  @Test
  void aResourceKeepsTheVersionThatBroughtItWhileItsPartStaysTheSame() {
    PublishedVersions versions = new PublishedVersions();
    Publication first = versions.record(TestModels.model(multiTeam));
    GatewayModel searchChanged =
        TestModels.model(multiTeam.replace("timeout: 30s", "timeout: 45s"));

    Publication second = versions.record(searchChanged);

    assertThat(second.sequence()).isEqualTo(2);
    assertThat(second.since().get(ASSISTANTS)).isEqualTo(first.since().get(ASSISTANTS));
    assertThat(second.since().get(ASSISTANTS).version()).isEqualTo(first.version());
    assertThat(second.since().get(SEARCH).sequence()).isEqualTo(2);
    assertThat(second.sequenceByVersion())
        .containsEntry(first.version(), 1L)
        .containsEntry(second.version(), 2L);
  }

  @Test
  void aProviderWhoseKeyRotatesIsNewInThatVersion() {
    PublishedVersions versions = new PublishedVersions();
    versions.record(TestModels.model(multiTeam));

    Publication rotated =
        versions.record(
            TestModels.model(
                multiTeam.replace("sk-example-openai-key-replace-me", "sk-rotated-key-0000")));

    assertThat(rotated.since().get(OPENAI).sequence()).isEqualTo(2);
    assertThat(rotated.since().get(ASSISTANTS).sequence()).isEqualTo(1);
  }

  @Test
  void aResourceThatLeavesAndComesBackStartsAgain() {
    PublishedVersions versions = new PublishedVersions();
    versions.record(TestModels.model(multiTeam));
    Publication without =
        versions.record(TestModels.model(multiTeam.replace("name: search", "name: search-2")));
    Publication back = versions.record(TestModels.model(multiTeam));

    assertThat(without.since()).doesNotContainKey(SEARCH);
    assertThat(back.since().get(SEARCH).sequence()).isEqualTo(3);
    assertThat(back.sequenceByVersion().get(back.version())).isEqualTo(3L);
  }

  @Test
  void onlyAcceptedResourcesArePublished() {
    Publication p =
        new PublishedVersions()
            .record(
                TestModels.model(
                    multiTeam.replace(
                        "  name: openai-key\n  namespace: platform",
                        "  name: other-key\n  namespace: platform")));

    assertThat(p.since()).doesNotContainKey(OPENAI).doesNotContainKey(SEARCH);
    assertThat(p.since()).containsKey(new ResourceRef("AIRoute", "team-b", "claims"));
  }
}
