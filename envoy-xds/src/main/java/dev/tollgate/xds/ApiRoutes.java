package dev.tollgate.xds;

import dev.tollgate.model.MeteredApis;
import dev.tollgate.model.MeteredApis.Endpoint;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The route matches and refusals that bound what a provider key is used for: a model's route
 * matches only the provider calls of {@link MeteredApis} (method, exact path, no query string), and
 * the entries after the models' answer everything else, so the route table never sends another
 * (method, path) pair upstream.
 */
final class ApiRoutes {
  private ApiRoutes() {}

  /**
   * The methods of the provider calls, sorted, each with the paths served with it: one model route
   * per method.
   */
  static Map<String, List<Endpoint>> providerCallsByMethod() {
    Map<String, List<Endpoint>> byMethod = new LinkedHashMap<>();
    new TreeSet<>(MeteredApis.PROVIDER_CALLS.stream().map(Endpoint::method).toList())
        .forEach(
            m ->
                byMethod.put(
                    m,
                    MeteredApis.PROVIDER_CALLS.stream()
                        .filter(e -> e.method().equals(m))
                        .toList()));
    return byMethod;
  }

  /**
   * Matches a provider call: its method, one of its exact paths, and no query string, so that a
   * client's query can never add to or override the provider's own (Azure's {@code api-version}).
   */
  static RouteMatch.Builder providerCall(String method, List<Endpoint> calls) {
    return callMatch(method, calls)
        .addHeaders(
            HeaderMatcher.newBuilder()
                .setName(":path")
                .setStringMatch(StringMatcher.newBuilder().setContains("?"))
                .setInvertMatch(true));
  }

  /** The entries after the models' routes, in the order Envoy must try them. */
  static List<Route> refusals() {
    List<Route> routes = new ArrayList<>();
    providerCallsByMethod()
        .forEach(
            (method, calls) -> {
              routes.add(
                  refusal(
                      "tollgate/query-refused/" + method,
                      callMatch(method, calls)
                          .addHeaders(
                              HeaderMatcher.newBuilder()
                                  .setName(":path")
                                  .setStringMatch(StringMatcher.newBuilder().setContains("?"))),
                      400,
                      "Tollgate's API calls take no query parameters; the gateway sets the"
                          + " provider's own.",
                      "query_not_supported",
                      null));
              routes.add(
                  refusal(
                      "tollgate/no-model/" + method,
                      callMatch(method, calls),
                      404,
                      "No route serves this model for your namespace; GET /v1/models lists the"
                          + " models you may use.",
                      "model_not_found",
                      null));
            });
    for (Endpoint answered : MeteredApis.ALL) {
      if (answered.servedBy() == MeteredApis.ServedBy.GATEWAY) {
        routes.add(
            refusal(
                "tollgate/no-body/" + answered.method() + answered.path(),
                pathMatch(answered).addHeaders(method(answered.method())),
                400,
                answered.noBodyMessage(),
                "unexpected_body",
                null));
      }
    }
    Map<String, Endpoint> paths = new LinkedHashMap<>();
    MeteredApis.ALL.forEach(e -> paths.putIfAbsent(e.path() + (e.prefix() ? "*" : ""), e));
    for (Endpoint path : paths.values()) {
      String allow = MeteredApis.allowOf(path.path());
      routes.add(
          refusal(
              "tollgate/method-not-allowed" + path.path(),
              pathMatch(path),
              405,
              MeteredApis.methodNotAllowedMessage(allow),
              "method_not_allowed",
              allow));
    }
    routes.add(
        refusal(
            "tollgate/unknown-path",
            RouteMatch.newBuilder().setPrefix("/"),
            404,
            MeteredApis.UNKNOWN_PATH_MESSAGE,
            "unknown_url",
            null));
    return routes;
  }

  private static RouteMatch.Builder callMatch(String method, List<Endpoint> calls) {
    return RouteMatch.newBuilder()
        .setSafeRegex(
            RegexMatcher.newBuilder()
                .setRegex(String.join("|", calls.stream().map(Endpoint::path).toList())))
        .addHeaders(method(method));
  }

  private static RouteMatch.Builder pathMatch(Endpoint endpoint) {
    return endpoint.prefix()
        ? RouteMatch.newBuilder().setPrefix(endpoint.path())
        : RouteMatch.newBuilder().setPath(endpoint.path());
  }

  private static HeaderMatcher method(String method) {
    return HeaderMatcher.newBuilder()
        .setName(":method")
        .setStringMatch(StringMatcher.newBuilder().setExact(method))
        .build();
  }

  private static Route refusal(
      String name,
      RouteMatch.Builder match,
      int status,
      String message,
      String code,
      String allow) {
    Route.Builder route =
        Route.newBuilder()
            .setName(name)
            .setMatch(match)
            .setDirectResponse(
                DirectResponseAction.newBuilder()
                    .setStatus(status)
                    .setBody(
                        XdsProtos.inline(
                            LocalReplies.errorJson(message, "invalid_request_error", code))))
            .addResponseHeadersToAdd(header("content-type", "application/json"));
    if (allow != null) {
      route.addResponseHeadersToAdd(header("allow", allow));
    }
    return route.build();
  }

  private static HeaderValueOption header(String name, String value) {
    return HeaderValueOption.newBuilder()
        .setHeader(HeaderValue.newBuilder().setKey(name).setValue(value))
        .setAppendAction(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD)
        .build();
  }
}
