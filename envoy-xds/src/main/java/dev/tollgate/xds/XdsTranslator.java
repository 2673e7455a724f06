package dev.tollgate.xds;

import dev.tollgate.model.GatewayModel;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Translates a {@link GatewayModel} into Envoy xDS resources.
 *
 * <p>A pure function of the model and the settings: no clients, no clock. Output lists are sorted
 * by name, so the same model always yields the same resources. Provider keys appear only in SDS
 * secrets, never in listeners, routes or clusters. Thread-safe.
 *
 * <p>One translator per xDS kind does the work: {@link ListenerTranslator} (listener and HTTP
 * filters), {@link RouteTranslator} (routes, with {@link RateLimitActions}), {@link
 * ClusterTranslator} (clusters, with {@link UpstreamFilters} and {@link UpstreamTls}), {@link
 * SecretTranslator} (SDS secrets) and {@link ListenerTracing} (the OTLP cluster and its client
 * certificate's SDS secret, file paths only).
 */
public final class XdsTranslator {
  private final XdsSettings settings;
  private final ListenerTranslator listeners;
  private final RouteTranslator routes;

  /** Creates a translator for the given deployment settings. */
  public XdsTranslator(XdsSettings settings) {
    this.settings = settings;
    this.listeners = new ListenerTranslator(settings);
    this.routes = new RouteTranslator(new ClusterTranslator(settings));
  }

  /** Translates a model. */
  public XdsResources translate(GatewayModel model) {
    Map<String, Cluster> clusters = new TreeMap<>();
    clusters.put(
        XdsNames.PROCESSOR_CLUSTER,
        ServiceClusters.cluster(
            XdsNames.PROCESSOR_CLUSTER,
            settings.processorHost(),
            settings.processorPort(),
            settings.serviceTls()));
    clusters.put(
        XdsNames.RATE_LIMIT_CLUSTER,
        ServiceClusters.cluster(
            XdsNames.RATE_LIMIT_CLUSTER,
            settings.rateLimitHost(),
            settings.rateLimitPort(),
            settings.serviceTls()));
    if (settings.tracing() != null) {
      clusters.put(
          ListenerTracing.CLUSTER,
          ListenerTracing.cluster(settings.tracing(), settings.caBundlePath()));
    }
    RouteConfiguration routeConfig = routes.routes(model, clusters);
    List<Secret> secrets = new ArrayList<>(SecretTranslator.secrets(model));
    ListenerTracing.caSecret(settings.tracing()).ifPresent(secrets::add);
    ListenerTracing.clientCertificateSecret(settings.tracing()).ifPresent(secrets::add);
    return new XdsResources(
        model.version(),
        List.of(listeners.listener()),
        List.of(routeConfig),
        List.copyOf(clusters.values()),
        List.copyOf(secrets));
  }
}
