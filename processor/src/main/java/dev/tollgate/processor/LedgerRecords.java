package dev.tollgate.processor;

import dev.tollgate.ledger.LedgerRecord;
import dev.tollgate.model.MeteredApis;
import java.time.Instant;

/** Turns what a request amounted to into its ledger record. */
final class LedgerRecords {
  private LedgerRecords() {}

  /**
   * What the ledger keeps beyond the access log's outcome.
   *
   * @param rule the index of the AIRoute rule that matched, or null when none did
   * @param attempts Envoy's count of upstream attempts, or null when no upstream was tried
   * @param refused whether the answer is the rate-limit filter's own 429
   * @param warned whether the rate-limit service warned that the charge reaches a warning level
   * @param downgraded whether the request was sent to a cheaper tier because its budget ran low
   */
  record Details(
      Integer rule, Integer attempts, boolean refused, boolean warned, boolean downgraded) {
    static final Details NONE = new Details(null, null, false, false, false);
  }

  static LedgerRecord of(Outcome o, Instant end, Details details) {
    return of(
        o,
        end,
        details,
        new AccountedUsage(
            o.inputTokens(),
            o.cachedInputTokens(),
            0,
            o.outputTokens(),
            o.usageSource(),
            o.cost(),
            o.currency()));
  }

  /** The record with the tokens and cost of {@code usage}: what the request was settled at. */
  static LedgerRecord of(Outcome o, Instant end, Details details, AccountedUsage usage) {
    return new LedgerRecord(
        end,
        o.requestId() == null ? "" : o.requestId(),
        o.namespace(),
        o.route(),
        details.rule(),
        o.client(),
        o.requestModel(),
        o.responseModel(),
        o.provider(),
        MeteredApis.apiOfPath(o.path()),
        o.status(),
        usage.inputTokens(),
        usage.cachedTokens(),
        usage.outputTokens(),
        usage.cost(),
        usage.cost() == null ? null : usage.currency(),
        budget(o, details, usage),
        o.durationNanos() / 1_000_000.0,
        o.timeToFirstTokenNanos() < 0 ? null : o.timeToFirstTokenNanos() / 1_000_000.0,
        details.attempts(),
        o.error());
  }

  /**
   * What the budget did, as far as the processor sees it: the rate-limit filter's own 429 is a
   * refusal; committed usage is a commit, {@code downgraded} or {@code warned} when the budget said
   * so (a downgrade says more than its warning); a reservation that generated nothing was released.
   */
  private static LedgerRecord.Budget budget(Outcome o, Details details, AccountedUsage usage) {
    if (details.refused()) {
      return LedgerRecord.Budget.REFUSED;
    }
    if (details.downgraded()) {
      return LedgerRecord.Budget.DOWNGRADED;
    }
    if (usage.inputTokens() > 0 || usage.outputTokens() > 0) {
      return details.warned() ? LedgerRecord.Budget.WARNED : LedgerRecord.Budget.COMMITTED;
    }
    return o.reserveTokens() > 0 ? LedgerRecord.Budget.RESERVED : LedgerRecord.Budget.NONE;
  }
}
