package dev.tollgate.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tollgate.ledger.AuditLog;
import dev.tollgate.ledger.AuditRecord;
import dev.tollgate.ledger.EnvoyAnswer;
import dev.tollgate.ledger.LedgerDatabase;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LeaderAuditTest {
  @TempDir Path folder;

  private static AuditRecord version(String v, String previous, int second) {
    return new AuditRecord(
        Instant.parse("2026-11-05T10:00:00Z").plusSeconds(second),
        "tollgate",
        v,
        previous,
        List.of(),
        null);
  }

  @Test
  void aFollowerRecordsNoVersionUntilItLeadsThenTheOneItHolds() {
    AtomicBoolean leader = new AtomicBoolean();
    try (AuditLog log = new AuditLog(LedgerDatabase.embedded(folder, 0))) {
      LeaderAudit audit = new LeaderAudit(log, leader::get);
      audit.published(version("v1", null, 0));
      audit.published(version("v2", "v1", 1));
      EnvoyAnswer ack =
          new EnvoyAnswer(
              "tollgate", "v2", "envoy-a", true, Instant.parse("2026-11-05T10:00:02Z"), null);
      audit.answered(ack);
      leader.set(true);
      audit.leading();
      audit.published(version("v3", "v2", 3));
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(
              () ->
                  assertThat(log.list(10))
                      .extracting(AuditRecord::version)
                      .containsExactly("v3", "v2"));
      assertThat(log.list(10).get(1).answers()).containsExactly(ack);
    }
  }

  @Test
  void aNewLeaderAddsNoRecordOfAVersionThePreviousLeaderRecorded() {
    AtomicBoolean leader = new AtomicBoolean();
    try (AuditLog log = new AuditLog(LedgerDatabase.embedded(folder, 0))) {
      log.write(version("v1", null, 0));
      LeaderAudit audit = new LeaderAudit(log, leader::get);
      audit.published(version("v1", null, 5));
      leader.set(true);
      audit.leading();
      audit.published(version("v2", "v1", 6));
      await()
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(
              () ->
                  assertThat(log.list(10))
                      .extracting(AuditRecord::version)
                      .containsExactly("v2", "v1"));
      assertThat(log.list(10).get(1).time()).isEqualTo(version("v1", null, 0).time());
    }
  }
}
