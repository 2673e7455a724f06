package dev.tollgate.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.ledger.AuditRecord;
import dev.tollgate.ledger.ConfigAudit;
import dev.tollgate.ledger.EnvoyAnswer;
import dev.tollgate.testkit.MutableClock;
import dev.tollgate.xds.NodeStatusTracker.Nack;
import dev.tollgate.xds.NodeStatusTracker.NodeStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class EnvoyAnswersTest {
  private static final String CLUSTER = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
  private static final String LISTENER = "type.googleapis.com/envoy.config.listener.v3.Listener";
  private static final Instant T0 = Instant.parse("2026-11-05T10:00:00Z");

  private final List<EnvoyAnswer> answers = new ArrayList<>();
  private final ConfigAudit audit =
      new ConfigAudit() {
        @Override
        public void published(AuditRecord record) {}

        @Override
        public void answered(EnvoyAnswer answer) {
          answers.add(answer);
        }
      };
  private final MutableClock clock = new MutableClock(T0);
  private final EnvoyAnswers envoyAnswers = new EnvoyAnswers("tollgate", audit, clock);

  private static NodeStatus status(Map<String, String> acked, Nack nack) {
    return new NodeStatus("envoy-a", acked, Optional.ofNullable(nack), true);
  }

  @Test
  void aVersionIsAcknowledgedOnceEveryTypeIsAtItAndOnlyOnce() {
    envoyAnswers.changed(status(Map.of(CLUSTER, "v2", LISTENER, "v1"), null));
    assertThat(answers).isEmpty();
    envoyAnswers.changed(status(Map.of(CLUSTER, "v2", LISTENER, "v2+tls.abc"), null));
    envoyAnswers.changed(status(Map.of(CLUSTER, "v2", LISTENER, "v2+tls.def"), null));
    assertThat(answers)
        .containsExactly(new EnvoyAnswer("tollgate", "v2", "envoy-a", true, T0, null));
  }

  @Test
  void aRejectionIsANackOfTheRejectedVersionWithEnvoysReasonOnOneLine() {
    envoyAnswers.changed(status(Map.of(CLUSTER, "v1", LISTENER, "v1"), null));
    Nack nack =
        new Nack(
            CLUSTER,
            "v2",
            "Error adding/updating cluster(s) provider/team-b/x/model/tiny: invalid path"
                + " /gone/ca.crt",
            T0.plusSeconds(5));
    envoyAnswers.changed(status(Map.of(CLUSTER, "v1", LISTENER, "v1"), nack));
    envoyAnswers.changed(status(Map.of(CLUSTER, "v1", LISTENER, "v1"), nack));
    assertThat(answers)
        .extracting(EnvoyAnswer::version, EnvoyAnswer::accepted, EnvoyAnswer::detail)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("v1", true, null),
            org.assertj.core.groups.Tuple.tuple(
                "v2", false, "Cluster provider/team-b/x/model/tiny: invalid path /gone/ca.crt"));
    assertThat(answers.get(1).time()).isEqualTo(T0.plusSeconds(5));
  }

  @Test
  void aFixedVersionAfterARejectionIsAcknowledged() {
    Nack nack = new Nack(CLUSTER, "v2", "bad", T0);
    envoyAnswers.changed(status(Map.of(CLUSTER, "v1", LISTENER, "v1"), nack));
    clock.advance(java.time.Duration.ofSeconds(3));
    envoyAnswers.changed(status(Map.of(CLUSTER, "v3", LISTENER, "v3"), null));
    assertThat(answers)
        .extracting(EnvoyAnswer::version, EnvoyAnswer::accepted)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("v2", false),
            org.assertj.core.groups.Tuple.tuple("v3", true));
  }
}
