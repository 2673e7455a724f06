package dev.tollgate.processor;

import java.util.concurrent.CompletableFuture;

/**
 * Commits a finished request's usage to the budgets itself and learns what it was settled at
 * (ledger/README.md, "Aborted streams"): the rate-limit service settles each request id once, at
 * the first commit that reaches it, whether the processor's or Envoy's stream-done commit, and
 * answers that commit's usage to whoever commits second. The processor writes the settled usage to
 * the ledger, so the ledger equals the budget by construction, aborted streams included.
 * Implementations must not block and should answer within a bounded time.
 */
public interface UsageSettlement {

  /**
   * A request's token counts as a commit carries them.
   *
   * @param input input tokens, cached ones included
   * @param cached cached input tokens
   * @param cacheWrite input tokens written to the provider's cache
   * @param output output tokens
   * @param provider the provider that served, as namespace/name, or null when unknown
   */
  record Tokens(long input, long cached, long cacheWrite, long output, String provider) {}

  /**
   * Who is charged, as the commit descriptor Envoy sends names it.
   *
   * @param namespace the route's namespace
   * @param route the AIRoute's name
   * @param client the client id
   * @param model the requested model of the route entry (a tier's model when the request fell)
   * @param requestId Envoy's request id, the key of the reservation
   */
  record Charged(String namespace, String route, String client, String model, String requestId) {}

  /**
   * Commits {@code usage} for the request unless it was committed before.
   *
   * @return what the request is settled at; a failed future when the rate-limit service cannot be
   *     asked (the ledger then keeps the processor's own figure, and Envoy's commit still counts)
   */
  CompletableFuture<Tokens> settle(Charged charged, Tokens usage);
}
