package dev.tollgate.processor;

import dev.tollgate.ledger.LedgerRecord;
import java.time.Instant;

/** Turns what a request amounted to into its ledger record. */
final class LedgerRecords {
  private LedgerRecords() {}

  static LedgerRecord of(Outcome o, Instant end, boolean budgetRefused) {
    return new LedgerRecord(
        end,
        o.requestId() == null ? "" : o.requestId(),
        o.namespace(),
        o.route(),
        null,
        o.client(),
        o.requestModel(),
        o.responseModel(),
        o.provider(),
        o.operation().semconvName(),
        o.status(),
        o.inputTokens(),
        o.cachedInputTokens(),
        o.outputTokens(),
        o.cost(),
        o.cost() == null ? null : o.currency(),
        budget(o, budgetRefused),
        o.durationNanos() / 1_000_000.0,
        o.timeToFirstTokenNanos() < 0 ? null : o.timeToFirstTokenNanos() / 1_000_000.0,
        null,
        o.error());
  }

  /**
   * What the budget did, as far as the processor sees it: the rate-limit filter's own 429 is a
   * refusal; committed usage is a commit; a reservation that generated nothing was released.
   */
  private static LedgerRecord.Budget budget(Outcome o, boolean budgetRefused) {
    if (budgetRefused) {
      return LedgerRecord.Budget.REFUSED;
    }
    if (o.inputTokens() > 0 || o.outputTokens() > 0) {
      return LedgerRecord.Budget.COMMITTED;
    }
    return o.reserveTokens() > 0 ? LedgerRecord.Budget.RESERVED : LedgerRecord.Budget.NONE;
  }
}
