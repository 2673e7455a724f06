package dev.tollgate.model;

import dev.tollgate.api.v1alpha1.AIRouteSpec;
import dev.tollgate.api.v1alpha1.RouteRule;
import dev.tollgate.api.v1alpha1.TierTrigger;
import dev.tollgate.model.GatewayModel.Rule;
import dev.tollgate.model.GatewayModel.Tier;
import java.util.ArrayList;
import java.util.List;

/**
 * Resolves the {@code tier} of each accepted rule of a route: the tier's model must be served by
 * another accepted rule of the same route. A tier that names no such rule is dropped, and reported
 * as {@code ResolvedRefs=False}: the rule keeps serving, its requests are refused with 429 when a
 * budget cannot hold them, as without a tier. Pure.
 */
final class RouteTiers {
  private RouteTiers() {}

  /** Returns the rules with their tiers set; problems go to {@code refProblems}. */
  static List<Rule> resolve(AIRouteSpec spec, List<Rule> rules, List<Problem> refProblems) {
    List<Rule> resolved = new ArrayList<>(rules.size());
    for (Rule rule : rules) {
      RouteRule declared = spec.rules.get(rule.index());
      if (declared.tier == null) {
        resolved.add(rule);
        continue;
      }
      String model = declared.tier.model;
      boolean served =
          rules.stream().anyMatch(r -> r.index() != rule.index() && r.models().contains(model));
      if (!served) {
        refProblems.add(
            new Problem(
                "spec.rules[" + rule.index() + "].tier.model",
                Reasons.TIER_NOT_FOUND,
                "no other rule of this AIRoute serves model '"
                    + model
                    + "' (with a valid backend), so its requests get 429 rather than fall to it"));
        resolved.add(rule);
        continue;
      }
      resolved.add(
          new Rule(
              rule.index(),
              rule.models(),
              rule.backends(),
              rule.retry(),
              rule.timeoutMillis(),
              rule.reserveOutputTokens(),
              new Tier(model, declared.tier.when != TierTrigger.Exhausted)));
    }
    return List.copyOf(resolved);
  }
}
