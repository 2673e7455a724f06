package dev.tollgate.xds;

import io.envoyproxy.controlplane.cache.Resources;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The xDS version of each resource type in one publish. A type whose resources equal those of the
 * previous publish keeps the previous version, so the ADS cache has nothing new to send for it; a
 * type that changed takes the model's version. A version is therefore always the model version at
 * which its type last changed.
 *
 * @param listeners the version of the listeners (LDS)
 * @param routes the version of the route configurations (RDS)
 * @param clusters the version of the clusters (CDS; also used for the empty EDS)
 * @param secrets the version of the model's SDS secrets (the listener certificate's is appended)
 */
public record TypeVersions(String listeners, String routes, String clusters, String secrets) {

  /** Every type at one version: the first publish to a group. */
  public static TypeVersions all(String version) {
    return new TypeVersions(version, version, version, version);
  }

  /**
   * Returns the versions of {@code next}, given what was published before it (both null for the
   * first publish).
   */
  public static TypeVersions next(
      XdsResources previous, TypeVersions previousVersions, XdsResources next) {
    String v = next.version();
    if (previous == null || previousVersions == null) {
      return all(v);
    }
    return new TypeVersions(
        previous.listeners().equals(next.listeners()) ? previousVersions.listeners() : v,
        previous.routes().equals(next.routes()) ? previousVersions.routes() : v,
        previous.clusters().equals(next.clusters()) ? previousVersions.clusters() : v,
        previous.secrets().equals(next.secrets()) ? previousVersions.secrets() : v);
  }

  /** Returns the version of a type URL's resources, or null for a type Tollgate does not serve. */
  public String of(String typeUrl) {
    return byTypeUrl().get(typeUrl);
  }

  /** Returns the version by type URL (endpoints share the clusters' version). */
  public Map<String, String> byTypeUrl() {
    return Map.of(
        Resources.V3.LISTENER_TYPE_URL, listeners,
        Resources.V3.ROUTE_TYPE_URL, routes,
        Resources.V3.CLUSTER_TYPE_URL, clusters,
        Resources.V3.ENDPOINT_TYPE_URL, clusters,
        Resources.V3.SECRET_TYPE_URL, secrets);
  }

  /** Returns the types that take {@code version}, that is, the ones sent to Envoy again. */
  public List<String> changedIn(String version) {
    List<String> out = new ArrayList<>();
    if (clusters.equals(version)) {
      out.add("clusters");
    }
    if (listeners.equals(version)) {
      out.add("listeners");
    }
    if (routes.equals(version)) {
      out.add("routes");
    }
    if (secrets.equals(version)) {
      out.add("secrets");
    }
    return out;
  }
}
