package dev.tollgate.run;

import dev.tollgate.processor.TierProbe;
import dev.tollgate.processor.UsageSettlement;
import dev.tollgate.ratelimit.BudgetDescriptor;
import dev.tollgate.ratelimit.RateLimitService;
import dev.tollgate.ratelimit.RequestIdentity;
import dev.tollgate.ratelimit.Usage;
import java.util.concurrent.CompletableFuture;

/**
 * The processor's budget calls when the rate-limit service runs in the same process ({@code
 * tollgate run}): the tier check and the settlement of a finished request, asked of the service
 * directly, without a network hop. {@code RateLimitClient} makes the same calls over gRPC.
 */
final class ServiceBudgets implements TierProbe, UsageSettlement {
  private final RateLimitService service;

  ServiceBudgets(RateLimitService service) {
    this.service = service;
  }

  @Override
  public CompletableFuture<Fall> check(
      String namespace,
      String route,
      String client,
      String model,
      long reserveTokens,
      boolean atWarn) {
    return service
        .tierCheck(new RequestIdentity(namespace, route, client, model), reserveTokens, atWarn)
        .thenApply(d -> d.fall() ? new Fall(d.reason(), d.quota(), d.limit()) : null);
  }

  @Override
  public CompletableFuture<Tokens> settle(Charged charged, Tokens usage) {
    return service
        .settle(
            new BudgetDescriptor.Commit(
                new RequestIdentity(
                    charged.namespace(), charged.route(), charged.client(), charged.model()),
                charged.requestId(),
                new Usage(
                    usage.input(),
                    usage.cached(),
                    usage.cacheWrite(),
                    usage.output(),
                    usage.provider())))
        .thenApply(
            u ->
                new Tokens(
                    u.inputTokens(),
                    u.cachedInputTokens(),
                    u.cacheWriteInputTokens(),
                    u.outputTokens(),
                    u.provider()));
  }
}
