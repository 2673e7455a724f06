package dev.tollgate.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditLogTest {
  @TempDir Path folder;

  private static final AuditRecord FIRST =
      new AuditRecord(
          Instant.parse("2026-11-05T10:00:00Z"),
          "tollgate",
          "v1",
          null,
          List.of(
              new AuditRecord.Change(AuditRecord.What.ADDED, "AIRoute", "team-a", "chat", 3L),
              new AuditRecord.Change(
                  AuditRecord.What.ADDED, "ModelProvider", "platform", "openai", null)),
          null);
  private static final AuditRecord SECOND =
      new AuditRecord(
          Instant.parse("2026-11-05T11:00:00Z"),
          "tollgate",
          "v2",
          "v1",
          List.of(
              new AuditRecord.Change(AuditRecord.What.CHANGED, "AIRoute", "team-a", "chat", 4L),
              new AuditRecord.Change(AuditRecord.What.REMOVED, "TokenQuota", "team-a", "q", 1L)),
          "cluster x refers to a missing secret");

  @Test
  void publishedVersionsAreListedNewestFirstWithTheirChanges() {
    try (AuditLog log = new AuditLog(LedgerDatabase.embedded(folder, 0))) {
      log.published(FIRST);
      log.published(SECOND);
      log.published(SECOND); // a replica's repeat is kept once
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(() -> assertThat(log.list(10)).hasSize(2));
      assertThat(log.list(10)).containsExactly(SECOND, FIRST);
      assertThat(log.list(1)).containsExactly(SECOND);
      assertThat(log.lost()).isZero();
    }
  }

  @Test
  void envoysAnswersAreListedWithTheVersionTheyAnswerAndALaterAnswerReplacesAnEarlierOne() {
    Instant at = Instant.parse("2026-11-05T11:00:01Z");
    EnvoyAnswer ackOfFirst = new EnvoyAnswer("tollgate", "v1", "envoy-a", true, at, null);
    EnvoyAnswer nackOfSecond =
        new EnvoyAnswer(
            "tollgate", "v2", "envoy-a", false, at, "Cluster provider/x: bad CA bundle");
    EnvoyAnswer ackOfSecondByB = new EnvoyAnswer("tollgate", "v2", "envoy-b", true, at, null);
    try (AuditLog log = new AuditLog(LedgerDatabase.embedded(folder, 0))) {
      log.published(FIRST);
      log.published(SECOND);
      log.answered(new EnvoyAnswer("tollgate", "v1", "envoy-a", false, at, "first try"));
      log.answered(ackOfFirst);
      log.answered(nackOfSecond);
      log.answered(ackOfSecondByB);
      log.answered(new EnvoyAnswer("other-group", "v2", "envoy-c", true, at, null));
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(
              () ->
                  assertThat(log.list(10))
                      .extracting(AuditRecord::answers)
                      .containsExactly(List.of(nackOfSecond, ackOfSecondByB), List.of(ackOfFirst)));
      assertThat(log.list(1).get(0).answered(true)).isEqualTo(1);
      assertThat(log.list(1).get(0).answered(false)).isEqualTo(1);
    }
  }

  @Test
  void aNewLeaderKeepsNoSecondRecordOfTheVersionAlreadyNewest() {
    try (AuditLog log = new AuditLog(LedgerDatabase.embedded(folder, 0))) {
      log.published(FIRST);
      log.publishedUnlessNewest(
          new AuditRecord(
              FIRST.time().plusSeconds(5), "tollgate", "v1", null, FIRST.changes(), null));
      log.publishedUnlessNewest(SECOND);
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(() -> assertThat(log.list(10)).containsExactly(SECOND, FIRST));
    }
  }

  @Test
  void aDatabaseThatCannotBeReachedLosesTheRecordWithoutBlocking() {
    LedgerDatabase nowhere =
        new LedgerDatabase("jdbc:postgresql://127.0.0.1:1/none?connectTimeout=1", "u", null, 0);
    try (AuditLog log = new AuditLog(nowhere)) {
      log.published(FIRST);
      await().atMost(Duration.ofSeconds(20)).until(() -> log.lost() == 1);
    }
  }

  @Test
  void aChangeLineReadsBackAsTheChange() {
    for (AuditRecord.Change c : SECOND.changes()) {
      assertThat(AuditRecord.Change.parse(c.line())).isEqualTo(c);
    }
    assertThat(FIRST.changes().get(0).line()).isEqualTo("added AIRoute team-a/chat generation 3");
  }
}
