package dev.tollgate.xds;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.util.Durations;
import dev.tollgate.api.v1alpha1.RetryOn;
import dev.tollgate.model.GatewayModel;
import dev.tollgate.model.GatewayModel.Route;
import dev.tollgate.model.GatewayModel.Rule;
import dev.tollgate.model.MeteredApis;
import dev.tollgate.model.Wire;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ExtProcOverrides;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ExtProcPerRoute;
import io.envoyproxy.envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate;
import io.envoyproxy.envoy.extensions.retry.priority.previous_priorities.v3.PreviousPrioritiesConfig;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Translates the routes: one route entry per requested model of every rule, matched on the provider
 * calls of {@link MeteredApis} and the namespace and model headers the processor sets, with its
 * route action, retry policy and, when a quota applies, its rate-limit actions; then {@link
 * ApiRoutes}' refusals of everything else.
 */
final class RouteTranslator {
  /**
   * Response header naming the provider that served the attempt, from the upstream host's endpoint
   * metadata: the processor reads it (and removes it) so that a rule spanning several providers
   * commits the cost of the one that answered. Overwrites whatever a provider sent.
   */
  private static final HeaderValueOption SERVING_PROVIDER =
      HeaderValueOption.newBuilder()
          .setHeader(
              HeaderValue.newBuilder()
                  .setKey(Wire.PROVIDER_HEADER)
                  .setValue(UpstreamFilters.endpointMetadata(ClusterTranslator.META_PROVIDER)))
          .setAppendAction(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD)
          .build();

  private final ClusterTranslator clusterTranslator;

  RouteTranslator(ClusterTranslator clusterTranslator) {
    this.clusterTranslator = clusterTranslator;
  }

  /** Returns the route configuration and adds the clusters its actions send to. */
  RouteConfiguration routes(GatewayModel model, Map<String, Cluster> clusters) {
    VirtualHost.Builder host =
        VirtualHost.newBuilder()
            .setName("tollgate")
            .addDomains("*")
            // The processor filter is disabled in the listener and enabled here, for every request
            // that reached this virtual host: a reply Envoy's codec sends before a request has a
            // route (431 for oversized headers) then goes out without waiting for the processor,
            // which would drop it on HTTP/1 (envoyproxy/envoy#29440).
            .putTypedPerFilterConfig(
                ListenerTranslator.EXT_PROC_FILTER,
                Any.pack(
                    ExtProcPerRoute.newBuilder()
                        .setOverrides(ExtProcOverrides.getDefaultInstance())
                        .build()))
            // The attempt count goes to the processor (the ledger's attempts), which removes it.
            .setIncludeAttemptCountInResponse(true);
    Map<String, List<MeteredApis.Endpoint>> providerCalls = ApiRoutes.providerCallsByMethod();
    for (Route route : model.routes()) {
      boolean budgeted =
          model.quotas().stream().anyMatch(q -> q.appliesTo(route.namespace(), route.name()));
      for (Rule rule : route.rules()) {
        RouteAction.Builder action = routeAction(model, route, rule, clusters);
        for (String requested : rule.models()) {
          for (var calls : providerCalls.entrySet()) {
            String name = XdsNames.route(route, rule.index(), requested);
            io.envoyproxy.envoy.config.route.v3.Route.Builder entry =
                io.envoyproxy.envoy.config.route.v3.Route.newBuilder()
                    .setName(providerCalls.size() == 1 ? name : name + "/" + calls.getKey())
                    .setMatch(
                        ApiRoutes.providerCall(calls.getKey(), calls.getValue())
                            .addHeaders(exactHeader(Wire.NAMESPACE_HEADER, route.namespace()))
                            .addHeaders(exactHeader(Wire.MODEL_HEADER, requested)))
                    .setRoute(action)
                    .addAllRequestHeadersToRemove(Wire.CLIENT_CREDENTIAL_HEADERS)
                    .addResponseHeadersToAdd(SERVING_PROVIDER);
            if (budgeted) {
              entry.putTypedPerFilterConfig(
                  ListenerTranslator.RATE_LIMIT_FILTER,
                  Any.pack(RateLimitActions.budgetActions(route, requested)));
            }
            host.addRoutes(entry);
          }
        }
      }
    }
    host.addAllRoutes(ApiRoutes.refusals());
    return RouteConfiguration.newBuilder()
        .setName(XdsNames.ROUTE_CONFIG)
        .addVirtualHosts(host)
        .addResponseHeadersToRemove("x-envoy-upstream-service-time")
        .addAllResponseHeadersToRemove(Wire.PROVIDER_RESPONSE_HEADERS)
        .build();
  }

  private RouteAction.Builder routeAction(
      GatewayModel model, Route route, Rule rule, Map<String, Cluster> clusters) {
    ClusterTranslator.RuleTargets targets = clusterTranslator.ruleTargets(model, rule, clusters);
    RouteAction.Builder action =
        RouteAction.newBuilder()
            .setAutoHostRewrite(BoolValue.of(true))
            .setTimeout(Durations.fromMillis(rule.timeoutMillis()))
            .setPriority(RoutingPriority.DEFAULT);
    if (targets.names().size() == 1) {
      action.setCluster(targets.names().get(0));
    } else {
      WeightedCluster.Builder weighted = WeightedCluster.newBuilder();
      for (int i = 0; i < targets.names().size(); i++) {
        weighted.addClusters(
            WeightedCluster.ClusterWeight.newBuilder()
                .setName(targets.names().get(i))
                .setWeight(UInt32Value.of(targets.primaries().get(i).weight())));
      }
      action.setWeightedClusters(weighted);
    }
    if (rule.retry().attempts() > 0 && !rule.retry().on().isEmpty()) {
      action.setRetryPolicy(retryPolicy(rule, targets.hasFallbacks()));
    }
    return action;
  }

  private static RetryPolicy retryPolicy(Rule rule, boolean hasFallbacks) {
    List<String> on = new ArrayList<>();
    RetryPolicy.Builder policy = RetryPolicy.newBuilder();
    for (RetryOn condition : rule.retry().on()) {
      switch (condition) {
        case ConnectFailure -> {
          on.add("connect-failure");
          on.add("reset");
        }
        case RateLimited -> {
          on.add("retriable-status-codes");
          policy.addRetriableStatusCodes(429);
        }
        case ServerError -> on.add("5xx");
      }
    }
    policy
        .setRetryOn(String.join(",", on))
        .setNumRetries(UInt32Value.of(rule.retry().attempts()))
        .setHostSelectionRetryMaxAttempts(3)
        .addRetryHostPredicate(
            RetryPolicy.RetryHostPredicate.newBuilder()
                .setName("envoy.retry_host_predicates.previous_hosts")
                .setTypedConfig(Any.pack(PreviousHostsPredicate.getDefaultInstance())));
    if (rule.retry().perTryTimeoutMillis() > 0) {
      policy.setPerTryTimeout(Durations.fromMillis(rule.retry().perTryTimeoutMillis()));
    }
    if (hasFallbacks) {
      policy.setRetryPriority(
          RetryPolicy.RetryPriority.newBuilder()
              .setName("envoy.retry_priorities.previous_priorities")
              .setTypedConfig(
                  Any.pack(PreviousPrioritiesConfig.newBuilder().setUpdateFrequency(1).build())));
    }
    return policy.build();
  }

  private static HeaderMatcher exactHeader(String name, String value) {
    return HeaderMatcher.newBuilder()
        .setName(name)
        .setStringMatch(StringMatcher.newBuilder().setExact(value))
        .build();
  }
}
