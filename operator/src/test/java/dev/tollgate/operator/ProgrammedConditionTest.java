package dev.tollgate.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.model.Condition;
import dev.tollgate.operator.PublishedVersions.Since;
import dev.tollgate.xds.NodeStatusTracker.Nack;
import dev.tollgate.xds.NodeStatusTracker.NodeStatus;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ProgrammedConditionTest {
  static final String CDS = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
  static final String LDS = "type.googleapis.com/envoy.config.listener.v3.Listener";
  static final Map<String, Long> VERSIONS = Map.of("v1", 1L, "v2", 2L, "v3", 3L);

  static NodeStatus node(String id, String cds, String lds) {
    return new NodeStatus(id, Map.of(CDS, cds, LDS, lds), Optional.empty(), true);
  }

  static Condition of(Since since, List<NodeStatus> nodes) {
    return ProgrammedCondition.of(true, since, "v3", VERSIONS, nodes, null);
  }

  @Test
  void aResourceThatIsNotAcceptedIsNeverProgrammed() {
    Condition c =
        ProgrammedCondition.of(false, null, "v3", VERSIONS, List.of(node("a", "v3", "v3")), null);

    assertThat(c.status()).isEqualTo("False");
    assertThat(c.reason()).isEqualTo("NotAccepted");
  }

  @Test
  void isPendingWhileNoEnvoyIsConnected() {
    NodeStatus gone = new NodeStatus("a", Map.of(CDS, "v3", LDS, "v3"), Optional.empty(), false);

    Condition c = of(new Since(2, "v2"), List.of(gone));

    assertThat(c.reason()).isEqualTo("Pending");
    assertThat(c.message())
        .isEqualTo(
            "published in configuration version v2; no Envoy is connected to the control plane"
                + " yet");
  }

  @Test
  void isProgrammedWhenEveryConnectedNodeRunsTheVersionThatBroughtItOrALaterOne() {
    Condition c = of(new Since(2, "v2"), List.of(node("a", "v2", "v2"), node("b", "v3", "v3")));

    assertThat(c.status()).isEqualTo("True");
    assertThat(c.reason()).isEqualTo("Programmed");
    assertThat(c.message())
        .isEqualTo("acknowledged by 2 Envoy nodes (configuration version v2 or later)");
  }

  @Test
  void isPendingAndNamesTheNodesThatLagBehind() {
    Condition c =
        of(
            new Since(3, "v3"),
            List.of(node("a", "v3", "v3"), node("b", "v3", "v2"), node("c", "v1", "v1")));

    assertThat(c.reason()).isEqualTo("Pending");
    assertThat(c.message())
        .isEqualTo("configuration version v3 is not yet acknowledged by Envoy nodes b, c");
  }

  @Test
  void aVersionThisOperatorDidNotPublishCountsAsNotApplied() {
    Condition c = of(new Since(1, "v1"), List.of(node("a", "v0-from-before", "v3")));

    assertThat(c.reason()).isEqualTo("Pending");
  }

  @Test
  void isRejectedWithEnvoysMessageWhenANodeRejectedTheVersionThatBroughtIt() {
    NodeStatus nacked =
        new NodeStatus(
            "envoy-1",
            Map.of(CDS, "v2", LDS, "v3"),
            Optional.of(new Nack(CDS, "v3", "cluster 'x': bad port", Instant.EPOCH)),
            true);

    Condition c = of(new Since(3, "v3"), List.of(nacked));

    assertThat(c.status()).isEqualTo("False");
    assertThat(c.reason()).isEqualTo("Rejected");
    assertThat(c.message())
        .isEqualTo(
            "Envoy node envoy-1 rejected configuration version v3 and keeps running its previous"
                + " configuration: Cluster: cluster 'x': bad port");
  }

  @Test
  void aRejectedLaterVersionLeavesResourcesItDidNotChangeProgrammed() {
    NodeStatus nacked =
        new NodeStatus(
            "envoy-1",
            Map.of(CDS, "v2", LDS, "v3"),
            Optional.of(new Nack(CDS, "v3", "bad", Instant.EPOCH)),
            true);

    assertThat(of(new Since(2, "v2"), List.of(nacked)).status()).isEqualTo("True");
  }

  @Test
  void aTypeWhoseOnlyAnswerIsARejectionMeansTheNodeRunsNothingKnown() {
    NodeStatus nacked =
        new NodeStatus(
            "envoy-1",
            Map.of(LDS, "v3"),
            Optional.of(new Nack(CDS, "v3", "bad", Instant.EPOCH)),
            true);

    assertThat(of(new Since(2, "v2"), List.of(nacked)).reason()).isEqualTo("Rejected");
  }

  @Test
  void aVersionThatCouldNotBePublishedIsNamedWithItsProblem() {
    Condition c =
        ProgrammedCondition.of(
            true,
            new Since(3, "v3"),
            "v3",
            VERSIONS,
            List.of(node("a", "v2", "v2")),
            "route tollgate references missing cluster x");

    assertThat(c.reason()).isEqualTo("Pending");
    assertThat(c.message())
        .isEqualTo(
            "configuration version v3 could not be published: route tollgate references missing"
                + " cluster x");
  }
}
