package dev.tollgate.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.model.GatewayModel;
import dev.tollgate.model.ResourceRef;
import dev.tollgate.operator.ConfigChanges.Change;
import dev.tollgate.operator.ConfigChanges.What;
import org.junit.jupiter.api.Test;

class ConfigChangesTest {
  final String multiTeam = TestModels.example("multi-team");

  @Test
  void tellsWhichResourcesWereAddedChangedAndRemoved() {
    GatewayModel before = TestModels.model(multiTeam);
    GatewayModel after =
        TestModels.model(
            multiTeam
                .replace("name: search", "name: lookup")
                .replace("timeout: 60s", "timeout: 90s"));

    ConfigChanges changes = ConfigChanges.between(before, after);

    assertThat(changes.changes())
        .containsExactly(
            new Change(new ResourceRef("AIRoute", "team-b", "claims"), What.CHANGED),
            new Change(new ResourceRef("AIRoute", "team-c", "lookup"), What.ADDED),
            new Change(new ResourceRef("AIRoute", "team-c", "search"), What.REMOVED));
    assertThat(changes.summary())
        .isEqualTo(
            "configuration version "
                + after.version()
                + " published (3 providers, 3 routes, 3 quotas, 4 client keys): added AIRoute"
                + " team-c/lookup; changed AIRoute team-b/claims; removed AIRoute team-c/search");
    assertThat(changes.describe(changes.changes().get(2), false))
        .isEqualTo(
            "AIRoute team-c/search removed from Envoy's configuration (deleted): version "
                + after.version()
                + " published (3 providers, 3 routes, 3 quotas, 4 client keys)");
    assertThat(changes.describe(changes.changes().get(2), true)).contains("(no longer accepted)");
  }

  @Test
  void everythingIsNewInTheFirstVersion() {
    ConfigChanges changes = ConfigChanges.between(null, TestModels.model(multiTeam));

    assertThat(changes.changes()).hasSize(9).allMatch(c -> c.what() == What.ADDED);
  }

  @Test
  void aNewClientKeyChangesNoRouteProviderOrQuota() {
    GatewayModel before = TestModels.model(multiTeam);
    GatewayModel after =
        TestModels.model(multiTeam.replace("tg-team-a-web-0c41d8e2", "tg-team-a-web-rotated-1"));

    ConfigChanges changes = ConfigChanges.between(before, after);

    assertThat(after.version()).isNotEqualTo(before.version());
    assertThat(changes.changes()).isEmpty();
    assertThat(changes.summary()).endsWith(": no route, provider or quota changed");
  }
}
