package dev.tollgate.ledger;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Objects;

/**
 * One finished request as the ledger keeps it: who called what, what it cost and how it went. It
 * holds identities, counts, cost and timings only, never prompt or completion text, credentials or
 * query strings. Strings that name configuration are null when unknown.
 *
 * @param time when the request ended
 * @param requestId Envoy's request id; with {@code time}, the record's identity (a replayed record
 *     is written once)
 * @param namespace the caller's namespace
 * @param route the AIRoute, as namespace/name
 * @param rule the index of the AIRoute rule that served, or null when unknown
 * @param client the client id
 * @param requestedModel the model the client asked for
 * @param upstreamModel the model the provider says answered
 * @param provider the ModelProvider that served, as namespace/name
 * @param api the client API: chat, text_completion, embeddings, messages, responses or other
 * @param status the HTTP status the client got, 0 when none was seen
 * @param inputTokens input tokens committed to the budget
 * @param cachedInputTokens of those, cached input tokens
 * @param outputTokens output tokens committed
 * @param cost the cost in {@code currency}, or null when unpriced or unknown
 * @param currency the currency of {@code cost}, or null
 * @param budget what the budget did: see {@link Budget}
 * @param latencyMillis from request headers to the end of the response
 * @param timeToFirstTokenMillis until the first generated text, or null
 * @param attempts upstream attempts, or null when unknown
 * @param error the error code, or null
 */
public record LedgerRecord(
    Instant time,
    String requestId,
    String namespace,
    String route,
    Integer rule,
    String client,
    String requestedModel,
    String upstreamModel,
    String provider,
    String api,
    int status,
    long inputTokens,
    long cachedInputTokens,
    long outputTokens,
    BigDecimal cost,
    String currency,
    Budget budget,
    double latencyMillis,
    Double timeToFirstTokenMillis,
    Integer attempts,
    String error) {

  /** What the budget did with a request. */
  public enum Budget {
    /** No budget applied, or nothing was reserved. */
    NONE,
    /** Tokens were reserved and released: nothing was committed. */
    RESERVED,
    /** Usage was committed. */
    COMMITTED,
    /** Usage was committed and crossed a warning threshold. */
    WARNED,
    /** The budget refused the request. */
    REFUSED,
    /** The budget sent the request to a cheaper model. */
    DOWNGRADED
  }

  /** Checks the fields every record needs. */
  public LedgerRecord {
    Objects.requireNonNull(time, "time");
    Objects.requireNonNull(requestId, "requestId");
    Objects.requireNonNull(api, "api");
    Objects.requireNonNull(budget, "budget");
  }
}
