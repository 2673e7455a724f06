package dev.tollgate.xds;

import com.google.protobuf.Message;
import io.envoyproxy.controlplane.cache.Resources;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The xDS version of each resource type in one published snapshot: the model version at which that
 * type's resources last changed, with a digest of those resources ({@link #version}). Envoy's
 * state-of-the-world protocol resends a type whenever its version differs from the one Envoy
 * acknowledged, so a type an edit leaves untouched keeps its version and is not resent: at 5,000
 * routes, a route edit used to make Envoy re-apply 5,000 clusters and the listener as well. {@link
 * NodeStatusTracker} maps an acknowledged type version back to the newest model version published
 * with it, so {@code Programmed} and the audit still speak of model versions. Secrets' version here
 * is without the listener certificate's suffix.
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
      return new TypeVersions(
          next,
          version(model, next.clusters()),
          version(model, next.listeners()),
          version(model, next.routes()),
          version(model, next.secrets()));
    }
    XdsResources before = previous.resources();
    return new TypeVersions(
        next,
        before.clusters().equals(next.clusters())
            ? previous.clusters()
            : version(model, next.clusters()),
        before.listeners().equals(next.listeners())
            ? previous.listeners()
            : version(model, next.listeners()),
        before.routes().equals(next.routes()) ? previous.routes() : version(model, next.routes()),
        before.secrets().equals(next.secrets())
            ? previous.secrets()
            : version(model, next.secrets()));
  }

  /**
   * A type's version: the model version, a dot, and the first 12 hex digits of the SHA-256 of the
   * type's resources. The model version alone is a hash of the model, not of its translation: a
   * Tollgate upgrade that translates the same model differently would publish the same version, and
   * an Envoy that reconnects to the upgraded control plane with that version is not resent anything
   * (the server answers only when versions differ). With the content digest, it is resent exactly
   * the types whose translation changed.
   */
  static String version(String model, List<? extends Message> resources) {
    MessageDigest digest;
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("no SHA-256 in this JVM", e);
    }
    for (Message resource : resources) {
      byte[] bytes = resource.toByteArray();
      digest.update(ByteBuffer.allocate(4).putInt(bytes.length).array());
      digest.update(bytes);
    }
    return model + "." + HexFormat.of().formatHex(digest.digest(), 0, 6);
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
