package dev.tollgate.processor;

import dev.tollgate.model.GatewayModel;
import java.util.Map;
import java.util.TreeMap;

/**
 * The requested models that a quota's Cost limit cannot price, with the refusal a client gets for
 * them: metering never switches off, so such a request is refused rather than served uncounted.
 */
final class UnpricedModels {
  private UnpricedModels() {}

  /** Returns the refusal message per {@link #key} of every unpriced (route, requested model). */
  static Map<String, String> refusals(GatewayModel model) {
    Map<String, String> refusals = new TreeMap<>();
    for (GatewayModel.Quota quota : model.quotas()) {
      for (GatewayModel.Unpriced u : quota.unpriced()) {
        refusals.putIfAbsent(
            key(u.routeNamespace(), u.route(), u.model()),
            "Model '"
                + u.model()
                + "' cannot be metered: TokenQuota "
                + quota.namespace()
                + "/"
                + quota.name()
                + " limits cost ("
                + u.limit()
                + ") but ModelProvider "
                + u.provider()
                + " has no price for '"
                + u.upstreamModel()
                + "' in its currency. Ask your platform team to price it.");
      }
    }
    return refusals;
  }

  /** The lookup key of a route's requested model. */
  static String key(String namespace, String route, String model) {
    return namespace + '\0' + route + '\0' + model;
  }
}
