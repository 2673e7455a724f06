package dev.tollgate.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class UsageQueryTest {
  @Test
  void aMonthRunsFromItsFirstInstantToTheNextMonthsInUtc() {
    UsageQuery q = UsageQuery.parse("2026-12", "namespace, upstream-model", null);
    assertThat(q.from()).isEqualTo(Instant.parse("2026-12-01T00:00:00Z"));
    assertThat(q.to()).isEqualTo(Instant.parse("2027-01-01T00:00:00Z"));
    assertThat(q.by())
        .containsExactly(UsageQuery.Dimension.NAMESPACE, UsageQuery.Dimension.UPSTREAM_MODEL);
  }

  @Test
  void refusesAnUnknownDimensionNamingTheKnownOnes() {
    assertThatThrownBy(() -> UsageQuery.parse("2026-11", "namespace,prompt", null))
        .hasMessageContaining("unknown dimension 'prompt'")
        .hasMessageContaining("namespace,client,model");
  }

  @Test
  void refusesAPeriodThatIsNeitherAMonthNorADay() {
    assertThatThrownBy(() -> UsageQuery.parse("November", "", null))
        .hasMessageContaining("period 'November' is neither a month (2026-11) nor a day");
  }

  @Test
  void refusesADimensionNamedTwice() {
    assertThatThrownBy(() -> UsageQuery.parse("2026-11", "client,client", null))
        .hasMessageContaining("named twice");
  }
}
