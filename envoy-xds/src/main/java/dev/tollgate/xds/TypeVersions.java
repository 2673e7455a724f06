package dev.tollgate.xds;

import io.envoyproxy.controlplane.cache.Resources;
import java.util.Map;

/**
 * The xDS version of each resource type in one published snapshot: the model version at which that
 * type's resources last changed. Envoy's state-of-the-world protocol resends a type whenever its
 * version differs from the one Envoy acknowledged, so a type an edit leaves untouched keeps its
 * version and is not resent: at 5,000 routes, a route edit used to make Envoy re-apply 5,000
 * clusters and the listener as well. {@link NodeStatusTracker} maps an acknowledged type version
 * back to the newest model version published with it, so {@code Programmed} and the audit still
 * speak of model versions. Secrets' version here is without the listener certificate's suffix.
 *
 * @param resources the published resources
 * @param clusters version of the clusters (CDS; endpoints are inline and share it)
 * @param listeners version of the listeners (LDS)
 * @param routes version of the route configurations (RDS)
 * @param secrets version of the model's secrets (SDS)
 */
record TypeVersions(
    XdsResources resources, String clusters, String listeners, String routes, String secrets) {

  /**
   * The versions of {@code next}: each type keeps its version in {@code previous} when its
   * resources are equal, and takes {@code next}'s model version when they changed.
   *
   * @param previous the versions last published to the same node group, or null
   */
  static TypeVersions next(TypeVersions previous, XdsResources next) {
    String model = next.version();
    if (previous == null) {
      return new TypeVersions(next, model, model, model, model);
    }
    XdsResources before = previous.resources();
    return new TypeVersions(
        next,
        before.clusters().equals(next.clusters()) ? previous.clusters() : model,
        before.listeners().equals(next.listeners()) ? previous.listeners() : model,
        before.routes().equals(next.routes()) ? previous.routes() : model,
        before.secrets().equals(next.secrets()) ? previous.secrets() : model);
  }

  /** The versions by type URL, endpoints with the clusters. */
  Map<String, String> byType() {
    return Map.of(
        Resources.V3.CLUSTER_TYPE_URL, clusters,
        Resources.V3.ENDPOINT_TYPE_URL, clusters,
        Resources.V3.LISTENER_TYPE_URL, listeners,
        Resources.V3.ROUTE_TYPE_URL, routes,
        Resources.V3.SECRET_TYPE_URL, secrets);
  }
}
