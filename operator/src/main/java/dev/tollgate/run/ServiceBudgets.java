package dev.tollgate.run;

import dev.tollgate.processor.TierProbe;
import dev.tollgate.ratelimit.RateLimitService;
import dev.tollgate.ratelimit.RequestIdentity;
import java.util.concurrent.CompletableFuture;

/**
 * The processor's tier probe when the rate-limit service runs in the same process ({@code tollgate
 * run}): asks the service's tier check directly, without a network hop.
 */
final class ServiceTierProbe implements TierProbe {
  private final RateLimitService service;

  ServiceTierProbe(RateLimitService service) {
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
}
