package dev.tollgate.processor;

import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Who is calling, once authenticated, and which routes that identity may use.
 *
 * @param method how the caller authenticated: {@code api_key} or {@code jwt}
 * @param namespace the caller's namespace when it is one (always for API keys), else null: a token
 *     accepted by routes of several namespaces is resolved by the requested model
 * @param clientId the client id of an API key, else null: a token's client id is the claim its
 *     route names
 * @param routes the routes this identity may call, sorted by namespace and name
 * @param claims the token's string claims by name; empty for API keys
 * @param models the requested model names an API key is restricted to, sorted; empty for every
 *     model of its routes
 */
record Caller(
    String method,
    String namespace,
    String clientId,
    List<Policy.RouteView> routes,
    Map<String, String> claims,
    List<String> models) {

  /** A caller without a model restriction. */
  Caller(
      String method,
      String namespace,
      String clientId,
      List<Policy.RouteView> routes,
      Map<String, String> claims) {
    this(method, namespace, clientId, routes, claims, List.of());
  }

  /** Whether this caller may request a model (its routes decide the rest). */
  boolean mayRequest(String model) {
    return models.isEmpty() || Collections.binarySearch(models, model) >= 0;
  }

  static final String API_KEY = "api_key";
  static final String JWT = "jwt";

  /** The client id this caller has on a route. */
  String clientOn(Policy.RouteView route) {
    if (clientId != null) {
      return clientId;
    }
    return route.jwt() == null ? null : claims.get(route.jwt().clientClaim());
  }
}
