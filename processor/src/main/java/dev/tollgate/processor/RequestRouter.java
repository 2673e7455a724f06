package dev.tollgate.processor;

import java.util.Collections;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Decides where a model request goes: the target of the requested model among the routes the caller
 * may use, and the caller's client id on it. A pure function of the policy, the caller and the
 * model name.
 */
final class RequestRouter {
  private static final Pattern SAFE_CLIENT_ID = Pattern.compile("[A-Za-z0-9._:@/+=|-]{1,256}");

  /**
   * Where a request goes and as whom; the values of the routing headers and metadata.
   *
   * @param target the route rule serving the requested model, with what accounting needs
   * @param client the caller's client id on the target's route
   */
  record RoutingDecision(Policy.Target target, String client) {
    /** The namespace whose budgets and routes apply. */
    String namespace() {
      return target.route().namespace();
    }

    /** The model name the client asked for. */
    String requestedModel() {
      return target.requestedModel();
    }
  }

  private RequestRouter() {}

  /** Routes a request for {@code model}; throws the answer when the caller may not use it. */
  static RoutingDecision route(Policy policy, Caller caller, String model)
      throws Rejection.Exception {
    Policy.Target found = null;
    if (caller.method().equals(Caller.API_KEY)) {
      found = policy.target(caller.namespace(), model);
      if (found != null && (!mayCall(caller, found.route()) || !caller.mayRequest(model))) {
        // Another route of the namespace serves this model, one whose clients do not include this
        // key, or the key is restricted to other models: answered like a model that does not
        // exist, as OpenAI does.
        found = null;
      }
    } else {
      for (Policy.RouteView route : caller.routes()) {
        if (Collections.binarySearch(route.models(), model) >= 0) {
          if (found != null && !found.route().namespace().equals(route.namespace())) {
            throw new Rejection.Exception(
                Rejection.of(
                    403,
                    "ambiguous_namespace",
                    "Routes in several namespaces accept this token and serve this model; give"
                        + " each route its own audience."));
          }
          found = policy.target(route.namespace(), model);
        }
      }
    }
    if (found == null) {
      throw new Rejection.Exception(ModelsEndpoint.modelNotFound(model, policy.models(caller)));
    }
    if (found.unpriced() != null) {
      throw new Rejection.Exception(Rejection.of(403, "model_not_priced", found.unpriced()));
    }
    String id = caller.clientOn(found.route());
    if (id == null || !SAFE_CLIENT_ID.matcher(id).matches()) {
      throw new Rejection.Exception(
          Rejection.of(
              403,
              "invalid_client_id",
              "The token's client claim is missing or has characters a client id cannot have."));
    }
    return new RoutingDecision(found, id);
  }

  private static boolean mayCall(Caller caller, Policy.RouteView route) {
    List<Policy.RouteView> allowed = caller.routes();
    for (int i = 0; i < allowed.size(); i++) {
      if (allowed.get(i) == route) {
        return true;
      }
    }
    return false;
  }
}
