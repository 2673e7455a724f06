package dev.tollgate.xds;

import dev.tollgate.model.GatewayModel.Backend;
import dev.tollgate.model.GatewayModel.Route;

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

  /** Aggregate cluster trying a rule's backend first and its fallbacks after it. */
  public static String fallbackCluster(Route route, int rule, int backend) {
    return "airoute/"
        + route.namespace()
        + "/"
        + route.name()
        + "/rule/"
        + rule
        + "/backend/"
        + backend
        + "/fallback";
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
