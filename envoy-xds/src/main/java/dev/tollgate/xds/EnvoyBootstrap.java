package dev.tollgate.xds;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.Durations;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.bootstrap.v3.Admin;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.extensions.resource_monitors.downstream_connections.v3.DownstreamConnectionsConfig;
import io.envoyproxy.envoy.extensions.resource_monitors.fixed_heap.v3.FixedHeapConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;

/**
 * The bootstrap an Envoy of Tollgate's data plane starts with: a node identity, an admin endpoint,
 * the overload manager of {@link OverloadLimits}, and ADS from Tollgate's control plane for
 * everything else.
 */
public final class EnvoyBootstrap {
  /** Name of the static cluster that reaches the ADS server. */
  public static final String XDS_CLUSTER = "tollgate/xds";

  private EnvoyBootstrap() {}

  /**
   * Builds the bootstrap.
   *
   * @param nodeId Envoy's node id
   * @param nodeGroup Envoy's node cluster, which selects its ADS snapshot
   * @param adsHost host of the ADS server
   * @param adsPort port of the ADS server
   * @param adminPort admin port, bound on 127.0.0.1 only
   */
  public static Bootstrap build(
      String nodeId, String nodeGroup, String adsHost, int adsPort, int adminPort) {
    return build(nodeId, nodeGroup, adsHost, adsPort, adminPort, null);
  }

  /**
   * Builds the bootstrap; with {@code tls}, Envoy proves who it is with its client certificate
   * before it gets any configuration or secret, and accepts only an ADS server the CA vouches for.
   *
   * @param tls mutual TLS towards the ADS server, or null for plaintext
   */
  public static Bootstrap build(
      String nodeId, String nodeGroup, String adsHost, int adsPort, int adminPort, ServiceTls tls) {
    ConfigSource ads = XdsProtos.ADS;
    Cluster.Builder xds =
        Cluster.newBuilder()
            .setName(XDS_CLUSTER)
            .setType(Cluster.DiscoveryType.STRICT_DNS)
            .setConnectTimeout(Durations.fromSeconds(1))
            .setLoadAssignment(
                ClusterLoadAssignment.newBuilder()
                    .setClusterName(XDS_CLUSTER)
                    .addEndpoints(
                        LocalityLbEndpoints.newBuilder()
                            .addLbEndpoints(
                                LbEndpoint.newBuilder()
                                    .setEndpoint(
                                        Endpoint.newBuilder()
                                            .setAddress(
                                                XdsProtos.socketAddress(adsHost, adsPort))))))
            .putTypedExtensionProtocolOptions(
                XdsProtos.HTTP_PROTOCOL_OPTIONS, com.google.protobuf.Any.pack(XdsProtos.HTTP2));
    if (tls != null) {
      xds.setTransportSocket(tls.transportSocket(adsHost));
    }
    return Bootstrap.newBuilder()
        .setNode(Node.newBuilder().setId(nodeId).setCluster(nodeGroup))
        .setAdmin(Admin.newBuilder().setAddress(XdsProtos.socketAddress("127.0.0.1", adminPort)))
        .setDynamicResources(
            Bootstrap.DynamicResources.newBuilder()
                .setAdsConfig(
                    ApiConfigSource.newBuilder()
                        .setApiType(ApiConfigSource.ApiType.GRPC)
                        .setTransportApiVersion(ApiVersion.V3)
                        .setSetNodeOnFirstMessageOnly(true)
                        .addGrpcServices(
                            GrpcService.newBuilder()
                                .setEnvoyGrpc(
                                    GrpcService.EnvoyGrpc.newBuilder()
                                        .setClusterName(XDS_CLUSTER))))
                .setCdsConfig(ads)
                .setLdsConfig(ads))
        .setStaticResources(Bootstrap.StaticResources.newBuilder().addClusters(xds))
        .setOverloadManager(OverloadLimits.overloadManager())
        .build();
  }

  /** Renders a bootstrap as JSON, which Envoy reads with {@code -c file.json}. */
  public static String toJson(Bootstrap bootstrap) {
    try {
      return JsonFormat.printer()
          .usingTypeRegistry(
              JsonFormat.TypeRegistry.newBuilder()
                  .add(HttpProtocolOptions.getDescriptor())
                  .add(FixedHeapConfig.getDescriptor())
                  .add(DownstreamConnectionsConfig.getDescriptor())
                  .add(UpstreamTlsContext.getDescriptor())
                  .build())
          .print(bootstrap);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("cannot render the bootstrap", e);
    }
  }
}
