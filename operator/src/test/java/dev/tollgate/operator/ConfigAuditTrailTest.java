package dev.tollgate.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.ledger.AuditRecord;
import dev.tollgate.model.GatewayModel;
import dev.tollgate.model.GatewayModelBuilder;
import dev.tollgate.model.source.ResourceSnapshot;
import java.time.Instant;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ConfigAuditTrailTest {
  private static final Instant NOW = Instant.parse("2026-11-05T10:00:00Z");

  @Test
  void theFirstVersionAddsEveryResourceWithItsGenerationAndALaterOneNamesWhatLeft() {
    String yaml = TestModels.example("multi-team");
    ResourceSnapshot first = TestModels.snapshot(yaml);
    first.routes().forEach(r -> r.getMetadata().setGeneration(3L));
    first.quotas().forEach(q -> q.getMetadata().setGeneration(7L));
    GatewayModel before = GatewayModelBuilder.build(first);

    AuditRecord added = ConfigAuditTrail.record(null, before, first, "tollgate", null, NOW);

    assertThat(added.version()).isEqualTo(before.version());
    assertThat(added.previousVersion()).isNull();
    assertThat(added.changes()).allMatch(c -> c.what() == AuditRecord.What.ADDED);
    assertThat(added.count(AuditRecord.What.ADDED))
        .isEqualTo(before.providers().size() + before.routes().size() + before.quotas().size());
    assertThat(added.changes())
        .filteredOn(c -> c.kind().equals("AIRoute"))
        .isNotEmpty()
        .allMatch(c -> c.generation() == 3L);

    // Team A's quota deleted: the next version removes it; its generation is gone with it.
    String withoutQuota =
        Arrays.stream(yaml.split("(?m)^---\\s*$"))
            .filter(doc -> !(doc.contains("kind: TokenQuota") && doc.contains("namespace: team-a")))
            .collect(Collectors.joining("\n---\n"));
    ResourceSnapshot second = TestModels.snapshot(withoutQuota);
    GatewayModel after = GatewayModelBuilder.build(second);
    AuditRecord removed =
        ConfigAuditTrail.record(before, after, second, "tollgate", "a problem", NOW.plusSeconds(9));

    assertThat(removed.previousVersion()).isEqualTo(before.version());
    assertThat(removed.problem()).isEqualTo("a problem");
    assertThat(removed.changes())
        .extracting(AuditRecord.Change::line)
        .containsExactly(
            "removed TokenQuota team-a/"
                + before.quotas().stream()
                    .filter(q -> q.namespace().equals("team-a"))
                    .findFirst()
                    .orElseThrow()
                    .name());
  }
}
