package dev.tollgate.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The quickstart's month: a {@code /v1/models} call (no model, no price) next to priced chat calls.
 * The unpriced record keeps its own row and its own total, after the currencies' totals.
 */
class UsageReportFormatTest {
  static final UsageReport QUICKSTART =
      new UsageReport(
          UsageQuery.parse("2026-12", "namespace,client,model", null),
          List.of(
              new UsageReport.Row(
                  Arrays.asList("default", "alice", null), null, 1, 0, 0, 0, 0, BigDecimal.ZERO),
              new UsageReport.Row(
                  List.of("default", "alice", "demo-chat"),
                  "USD",
                  2,
                  0,
                  40,
                  0,
                  12,
                  new BigDecimal("0.000038"))));

  @Test
  void theTableShowsADashForWhatARecordDoesNotHave() {
    assertThat(UsageReportFormat.TABLE.render(QUICKSTART))
        .isEqualTo(
            """
            namespace  client  model      currency  requests  errors  input_tokens  cached_input_tokens  output_tokens      cost
            default    alice   -          -                1       0             0                    0              0         0
            default    alice   demo-chat  USD              2       0            40                    0             12  0.000038
            TOTAL                         USD              2       0            40                    0             12  0.000038
            TOTAL                         -                1       0             0                    0              0         0
            """);
  }

  @Test
  void csvLeavesTheCellEmptyAndJsonWritesNull() {
    assertThat(UsageReportFormat.CSV.render(QUICKSTART))
        .contains("\r\ndefault,alice,,,1,0,0,0,0,0\r\n")
        .endsWith("TOTAL,,,USD,2,0,40,0,12,0.000038\r\nTOTAL,,,,1,0,0,0,0,0\r\n");
    assertThat(UsageReportFormat.JSON.render(QUICKSTART))
        .contains("\"model\" : null")
        .contains("\"currency\" : null");
  }

  @Test
  void unpricedRequestsCountInNoCurrencysTotal() {
    assertThat(QUICKSTART.totals())
        .extracting(UsageReport.Row::currency, UsageReport.Row::requests)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("USD", 2L),
            org.assertj.core.groups.Tuple.tuple(null, 1L));
  }
}
