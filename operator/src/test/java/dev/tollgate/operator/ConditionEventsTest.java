package dev.tollgate.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.operator.ConditionEvents.Announcement;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConditionEventsTest {
  static Condition c(String type, String status, String reason, String message) {
    return new Condition("2026-03-01T10:00:00Z", message, 1L, reason, status, type);
  }

  static final Condition ACCEPTED = c("Accepted", "True", "Accepted", "route is valid");
  static final Condition RESOLVED = c("ResolvedRefs", "True", "ResolvedRefs", "all resolve");
  static final Condition PENDING = c("Programmed", "False", "Pending", "no Envoy");
  static final Condition PROGRAMMED = c("Programmed", "True", "Programmed", "acknowledged by 1");

  @Test
  void aNewlyAcceptedResourceGetsANormalEvent() {
    assertThat(ConditionEvents.between(List.of(), List.of(ACCEPTED, RESOLVED, PENDING)))
        .containsExactly(
            new Announcement("Normal", "Accepted", "route is valid; all references resolve"));
  }

  @Test
  void aRejectionIsAWarningWithBothMessages() {
    List<Condition> rejected =
        List.of(
            c("Accepted", "False", "UnresolvedRefs", "not programmed: see ResolvedRefs"),
            c("ResolvedRefs", "False", "ProviderNotFound", "ModelProvider x does not exist"),
            PENDING);

    assertThat(ConditionEvents.between(List.of(ACCEPTED, RESOLVED, PENDING), rejected))
        .containsExactly(
            new Announcement(
                "Warning",
                "Rejected",
                "not programmed: see ResolvedRefs (ModelProvider x does not exist)"));
  }

  @Test
  void anUnresolvedReferenceThatKeepsTheResourceInServiceIsAWarningToo() {
    List<Condition> after =
        List.of(ACCEPTED, c("ResolvedRefs", "False", "InvalidClientKey", "key too short"), PENDING);

    assertThat(ConditionEvents.between(List.of(ACCEPTED, RESOLVED, PENDING), after))
        .containsExactly(new Announcement("Warning", "RefsNotResolved", "key too short"));
  }

  @Test
  void becomingProgrammedIsAnnouncedOnceAndNothingElseIsRepeated() {
    List<Condition> before = List.of(ACCEPTED, RESOLVED, PENDING);
    List<Condition> after = List.of(ACCEPTED, RESOLVED, PROGRAMMED);
    List<Condition> moreNodes =
        List.of(ACCEPTED, RESOLVED, c("Programmed", "True", "Programmed", "acknowledged by 2"));

    assertThat(ConditionEvents.between(before, after))
        .containsExactly(new Announcement("Normal", "Programmed", "acknowledged by 1"));
    assertThat(ConditionEvents.between(after, moreNodes)).isEmpty();
    assertThat(ConditionEvents.between(after, after)).isEmpty();
  }
}
