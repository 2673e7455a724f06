package dev.tollgate.xds;

import dev.tollgate.model.GatewayModel.Backend;
import dev.tollgate.model.GatewayModel.Route;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/** Names of xDS resources; each shows the resource it came from. */
public final class XdsNames {
  /** The public HTTP listener. */
  public static final String LISTENER = "tollgate-http";

  /** The route configuration of the public listener. */
  public static final String ROUTE_CONFIG = "tollgate";

  /** Cluster of the processor (ext_proc) service. */
  public static final String PROCESSOR_CLUSTER = "tollgate/processor";

  /** Cluster of the rate-limit service. */
  public static final String RATE_LIMIT_CLUSTER = "tollgate/ratelimit";

  private XdsNames() {}

  /** Cluster that sends one model's requests to one provider. */
  public static String providerCluster(String namespace, String provider, String model) {
    return "provider/" + namespace + "/" + provider + "/model/" + model;
  }

  /** Cluster for a backend. */
  public static String providerCluster(Backend backend) {
    return providerCluster(backend.providerNamespace(), backend.providerName(), backend.model());
  }

  /** SDS secret holding the header value that carries a provider's key. */
  public static String providerCredential(String namespace, String provider) {
    return "provider/" + namespace + "/" + provider + "/credential";
  }

  /**
   * Aggregate cluster trying {@code members} in order, the first one a rule's primary backend and
   * the rest its fallbacks. Named by what it does, not by the rule that needs it, so every rule
   * with the same chain shares one cluster: 5,000 routes over the same two providers need two
   * aggregates, not 10,000 (each with its own upstream filters, which Envoy builds per cluster).
   * The name shows the first member; its suffix, the first 16 hex digits of the SHA-256 of the
   * whole chain and the two options, tells chains apart (model names may contain '/', so the
   * members themselves could not be joined unambiguously).
   *
   * @param modelPerAttempt whether the aggregate sets the upstream model per attempt
   * @param translating whether the aggregate translates attempts to another API
   */
  public static String fallbackCluster(
      List<Backend> members, boolean modelPerAttempt, boolean translating) {
    StringBuilder key = new StringBuilder();
    for (Backend member : members) {
      String cluster = providerCluster(member);
      key.append(cluster.length()).append(':').append(cluster).append(';');
    }
    key.append(modelPerAttempt ? "model-per-attempt;" : "")
        .append(translating ? "translating;" : "");
    return "fallback/"
        + members.get(0).providerNamespace()
        + "/"
        + members.get(0).providerName()
        + "/"
        + sha256Hex(key.toString(), 8);
  }

  /** The first {@code bytes} bytes of the SHA-256 of {@code text} (UTF-8), in hex. */
  static String sha256Hex(String text, int bytes) {
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash, 0, bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("no SHA-256 in this JVM", e);
    }
  }

  /** Route entry of one requested model of a rule. */
  public static String route(Route route, int rule, String model) {
    return "airoute/"
        + route.namespace()
        + "/"
        + route.name()
        + "/rule/"
        + rule
        + "/model/"
        + model;
  }

  /** A stats-safe form of a name: anything but letters, digits, '-' and '_' becomes '_'. */
  public static String statName(String name) {
    return name.replaceAll("[^A-Za-z0-9_-]", "_");
  }
}
