package dev.tollgate.ledger;

import java.math.BigDecimal;
import java.time.Instant;

/** Records for tests: a fixed shape, with the fields a test varies as parameters. */
final class TestRecords {
  private TestRecords() {}

  static LedgerRecord record(
      String requestId,
      Instant time,
      String namespace,
      String client,
      String model,
      long input,
      long output,
      String cost) {
    return new LedgerRecord(
        time,
        requestId,
        namespace,
        namespace + "/chat",
        0,
        client,
        model,
        model + "-2026-01-01",
        "providers/openai",
        "chat",
        200,
        input,
        0,
        output,
        cost == null ? null : new BigDecimal(cost),
        cost == null ? null : "USD",
        LedgerRecord.Budget.COMMITTED,
        12.5,
        3.25,
        1,
        null);
  }

  static LedgerRecord numbered(int i, Instant time) {
    return record(
        "req-" + i,
        time,
        "team-" + (i % 3),
        "client-" + (i % 5),
        i % 2 == 0 ? "gpt-4o" : "gpt-4o-mini",
        10 + i % 7,
        5 + i % 11,
        "0.000" + (1 + i % 9));
  }
}
