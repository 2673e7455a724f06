package dev.tollgate.xds;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.util.List;

/**
 * The Envoy configuration a GatewayModel becomes, each list sorted by resource name.
 *
 * @param version the model's content hash, used as the xDS version
 * @param listeners listeners (LDS)
 * @param routes route configurations (RDS)
 * @param clusters clusters with inline endpoints (CDS)
 * @param secrets SDS secrets: provider credentials, and the paths of the OTLP client certificate
 */
public record XdsResources(
    String version,
    List<Listener> listeners,
    List<RouteConfiguration> routes,
    List<Cluster> clusters,
    List<Secret> secrets) {

  /** Copies the lists. */
  public XdsResources {
    listeners = List.copyOf(listeners);
    routes = List.copyOf(routes);
    clusters = List.copyOf(clusters);
    secrets = List.copyOf(secrets);
  }
}
