package dev.tollgate.xds;

import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.clusters.aggregate.v3.ClusterConfig;
import io.envoyproxy.envoy.extensions.filters.http.credential_injector.v3.CredentialInjector;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.http.injected_credentials.generic.v3.Generic;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks that a set of xDS resources is complete before it is published: every route configuration
 * a listener names, every cluster a route or aggregate cluster names, and every secret a credential
 * injector names is part of the set. Envoy would otherwise wait for the missing resource or answer
 * 503.
 */
public final class SnapshotConsistency {
  private SnapshotConsistency() {}

  /** Returns one line per dangling reference; empty when the resources are consistent. */
  public static List<String> problems(XdsResources resources) {
    Set<String> routeNames = new HashSet<>();
    resources.routes().forEach(r -> routeNames.add(r.getName()));
    Set<String> clusterNames = new HashSet<>();
    resources.clusters().forEach(c -> clusterNames.add(c.getName()));
    Set<String> secretNames = new HashSet<>();
    resources.secrets().forEach(s -> secretNames.add(s.getName()));
    List<String> problems = new ArrayList<>();
    try {
      for (Listener listener : resources.listeners()) {
        for (FilterChain chain : listener.getFilterChainsList()) {
          for (Filter filter : chain.getFiltersList()) {
            if (filter.getTypedConfig().is(HttpConnectionManager.class)) {
              HttpConnectionManager hcm =
                  filter.getTypedConfig().unpack(HttpConnectionManager.class);
              if (hcm.hasRds() && !routeNames.contains(hcm.getRds().getRouteConfigName())) {
                problems.add(
                    "listener "
                        + listener.getName()
                        + " names missing route configuration "
                        + hcm.getRds().getRouteConfigName());
              }
            }
          }
        }
      }
      for (RouteConfiguration config : resources.routes()) {
        for (VirtualHost host : config.getVirtualHostsList()) {
          for (Route route : host.getRoutesList()) {
            List<String> targets = new ArrayList<>();
            if (route.getRoute().hasWeightedClusters()) {
              for (WeightedCluster.ClusterWeight weight :
                  route.getRoute().getWeightedClusters().getClustersList()) {
                targets.add(weight.getName());
              }
            } else if (!route.getRoute().getCluster().isEmpty()) {
              targets.add(route.getRoute().getCluster());
            }
            for (String target : targets) {
              if (!clusterNames.contains(target)) {
                problems.add("route " + route.getName() + " names missing cluster " + target);
              }
            }
          }
        }
      }
      for (Cluster cluster : resources.clusters()) {
        if (cluster.getClusterType().getTypedConfig().is(ClusterConfig.class)) {
          for (String member :
              cluster
                  .getClusterType()
                  .getTypedConfig()
                  .unpack(ClusterConfig.class)
                  .getClustersList()) {
            if (!clusterNames.contains(member)) {
              problems.add(
                  "aggregate cluster " + cluster.getName() + " names missing cluster " + member);
            }
          }
        }
        var options =
            cluster
                .getTypedExtensionProtocolOptionsMap()
                .get("envoy.extensions.upstreams.http.v3.HttpProtocolOptions");
        if (options == null) {
          continue;
        }
        for (HttpFilter filter : options.unpack(HttpProtocolOptions.class).getHttpFiltersList()) {
          if (filter.getTypedConfig().is(CredentialInjector.class)) {
            Generic generic =
                filter
                    .getTypedConfig()
                    .unpack(CredentialInjector.class)
                    .getCredential()
                    .getTypedConfig()
                    .unpack(Generic.class);
            if (!secretNames.contains(generic.getCredential().getName())) {
              problems.add(
                  "cluster "
                      + cluster.getName()
                      + " names missing secret "
                      + generic.getCredential().getName());
            }
          }
        }
      }
    } catch (InvalidProtocolBufferException e) {
      problems.add("unreadable typed config: " + e.getMessage());
    }
    for (Secret secret : resources.secrets()) {
      if (secret.getName().isEmpty()) {
        problems.add("a secret has no name");
      }
    }
    return problems;
  }
}
