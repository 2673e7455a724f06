package dev.tollgate.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.fabric8.kubernetes.api.model.Condition;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatusConditionsTest {
  static final Instant T1 = Instant.parse("2026-03-01T10:00:00.250Z");
  static final Instant T2 = Instant.parse("2026-03-01T11:30:00Z");

  static final List<dev.tollgate.model.Condition> ACCEPTED =
      List.of(
          dev.tollgate.model.Condition.isTrue("Accepted", "Accepted", "route is valid"),
          dev.tollgate.model.Condition.isTrue(
              "ResolvedRefs", "ResolvedRefs", "all references resolve"));

  @Test
  void firstConditionsAreStampedWithNowInWholeSecondsAndTheGeneration() {
    List<Condition> merged = StatusConditions.merge(null, ACCEPTED, 3, T1);

    assertThat(merged)
        .extracting(
            Condition::getType,
            Condition::getStatus,
            Condition::getLastTransitionTime,
            Condition::getObservedGeneration)
        .containsExactly(
            tuple("Accepted", "True", "2026-03-01T10:00:00Z", 3L),
            tuple("ResolvedRefs", "True", "2026-03-01T10:00:00Z", 3L));
  }

  @Test
  void keepsLastTransitionTimeWhileTheStatusStaysEvenWhenTheMessageChanges() {
    List<Condition> before = StatusConditions.merge(null, ACCEPTED, 1, T1);
    List<dev.tollgate.model.Condition> later =
        List.of(
            dev.tollgate.model.Condition.isTrue("Accepted", "Accepted", "route is still valid"),
            dev.tollgate.model.Condition.isFalse(
                "ResolvedRefs", "SecretNotFound", "Secret team-a/key does not exist"));

    List<Condition> merged = StatusConditions.merge(before, later, 2, T2);

    assertThat(merged.get(0).getLastTransitionTime()).isEqualTo("2026-03-01T10:00:00Z");
    assertThat(merged.get(0).getMessage()).isEqualTo("route is still valid");
    assertThat(merged.get(0).getObservedGeneration()).isEqualTo(2L);
    assertThat(merged.get(1).getLastTransitionTime()).isEqualTo("2026-03-01T11:30:00Z");
    assertThat(merged.get(1).getReason()).isEqualTo("SecretNotFound");
  }

  @Test
  void writesTheComputedConditionsInTheirOrderAndDropsOthers() {
    List<Condition> before =
        List.of(
            new Condition("2026-01-01T00:00:00Z", "old", 1L, "Old", "True", "Stale"),
            new Condition("2026-01-01T00:00:00Z", "valid", 1L, "Accepted", "True", "Accepted"));

    assertThat(StatusConditions.merge(before, ACCEPTED, 1, T2))
        .extracting(Condition::getType)
        .containsExactly("Accepted", "ResolvedRefs");
  }

  @Test
  void isSatisfiedOnlyWhenEveryVisibleFieldButTheTransitionTimeMatches() {
    List<Condition> current = StatusConditions.merge(null, ACCEPTED, 4, T1);

    assertThat(StatusConditions.satisfied(current, ACCEPTED, 4)).isTrue();
    assertThat(StatusConditions.satisfied(current, ACCEPTED, 5)).isFalse();
    assertThat(StatusConditions.satisfied(current, ACCEPTED.subList(0, 1), 4)).isFalse();
    assertThat(
            StatusConditions.satisfied(
                current,
                List.of(
                    ACCEPTED.get(0),
                    dev.tollgate.model.Condition.isTrue(
                        "ResolvedRefs", "ResolvedRefs", "another message")),
                4))
        .isFalse();
    assertThat(StatusConditions.satisfied(null, ACCEPTED, 4)).isFalse();
  }

  @Test
  void aConditionWithoutTransitionTimeIsRewritten() {
    List<Condition> current = StatusConditions.merge(null, ACCEPTED, 1, T1);
    current.get(1).setLastTransitionTime(null);

    assertThat(StatusConditions.satisfied(current, ACCEPTED, 1)).isFalse();
    assertThat(StatusConditions.merge(current, ACCEPTED, 1, T2).get(1).getLastTransitionTime())
        .isEqualTo("2026-03-01T11:30:00Z");
  }

  @Test
  void sameComparesTransitionTimesToo() {
    List<Condition> a = StatusConditions.merge(null, ACCEPTED, 1, T1);
    List<Condition> b = StatusConditions.merge(null, ACCEPTED, 1, T2);

    assertThat(StatusConditions.same(a, StatusConditions.merge(a, ACCEPTED, 1, T2))).isTrue();
    assertThat(StatusConditions.same(a, b)).isFalse();
    assertThat(StatusConditions.same(null, List.of())).isTrue();
  }
}
