package dev.tollgate.processor;

import java.util.concurrent.CompletableFuture;

/**
 * Asks the budgets, before the processor routes a request of a tiered rule, whether it falls to the
 * rule's cheaper tier (docs/governance.md, "Tiered use when budgets run low"). Only requests of
 * rules with a tier ask, so untiered rules pay nothing. Implementations read the budget store
 * without reserving (the rate-limit service's tier check) and must not block.
 */
public interface TierProbe {

  /**
   * Why a request falls to its tier.
   *
   * @param reason {@code warn} or {@code exhausted}
   * @param quota the quota whose budget made it fall, as namespace/name
   * @param limit the limit of that budget
   */
  record Fall(String reason, String quota, String limit) {}

  /**
   * Decides whether a request falls.
   *
   * @param namespace the request's namespace
   * @param route the AIRoute's name
   * @param client the client id
   * @param model the requested model
   * @param reserveTokens the tokens the reserve will ask for
   * @param atWarn whether the rule falls at the warn threshold too, not only when exhausted
   * @return the reason to fall, or a null value to stay on the requested model; a failed future is
   *     taken as stay (the reserve then decides)
   */
  CompletableFuture<Fall> check(
      String namespace,
      String route,
      String client,
      String model,
      long reserveTokens,
      boolean atWarn);
}
