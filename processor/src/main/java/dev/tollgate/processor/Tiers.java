package dev.tollgate.processor;

import dev.tollgate.model.GatewayModel;
import java.util.Map;

/**
 * Tiered use (docs/governance.md, "Tiered use when budgets run low"): which targets fall to which,
 * computed once per model, and the switch of one request to its tier.
 */
final class Tiers {
  private Tiers() {}

  /** Indexes the tier of every requested model whose rule names one; by {@link Policy#key}. */
  static void index(
      GatewayModel model, Map<String, Policy.Target> targets, Map<String, Policy.Tier> tiers) {
    for (GatewayModel.Route route : model.routes()) {
      for (GatewayModel.Rule rule : route.rules()) {
        if (rule.tier() == null) {
          continue;
        }
        Policy.Target tier = targets.get(Policy.key(route.namespace(), rule.tier().model()));
        if (tier == null) {
          continue;
        }
        Policy.Tier fallen = new Policy.Tier(writingItsModel(tier), rule.tier().atWarn());
        for (String requested : rule.models()) {
          tiers.put(Policy.key(route.namespace(), requested), fallen);
        }
      }
    }
  }

  /** Whether a caller's request may fall to a tier: the key may call it, and it is priced. */
  static boolean mayFall(Caller caller, Policy.Tier tier) {
    return tier.target().unpriced() == null && caller.mayRequest(tier.target().requestedModel());
  }

  /**
   * The request as its tier serves it, estimated anew for the tier's backends; the request as asked
   * when the tier cannot take it (another API, a cap it refuses): the reserve then decides.
   */
  static ModelRequest fall(
      ModelRequest asked,
      Policy.Tier tier,
      TierProbe.Fall fall,
      RequestBody parsed,
      String path,
      TokenEstimator estimator,
      ProcessorConfig config,
      OutputReserves reserves) {
    try {
      AnthropicApi.check(path, parsed, tier.target());
      ModelRequest fallen =
          ModelRequest.of(
              new RequestRouter.RoutingDecision(tier.target(), asked.client()),
              parsed,
              path,
              estimator,
              config.defaultOutputTokens(),
              config.maxTokensPerRequest(),
              reserves);
      return fallen.downgraded(
          new Downgrade(asked.target().requestedModel(), tier.target().requestedModel(), fall));
    } catch (Rejection.Exception e) {
      return asked;
    }
  }

  /**
   * The tier's target, with its upstream model always written into the body: the body names the
   * model the client asked for, which the tier's backends do not serve. A tier whose backends name
   * several upstream models needs no rewrite: the upstream model filter writes each attempt's.
   */
  private static Policy.Target writingItsModel(Policy.Target t) {
    if (t.modelPerAttempt() || t.upstreamModelRewrite() != null) {
      return t;
    }
    return t.writingModel(t.requestedModel(), false);
  }
}
