package dev.tollgate.xds;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.util.Durations;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.HealthCheck;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.KeepaliveSettings;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.type.v3.Percent;

/**
 * The clusters of the processor and the rate-limit service. Reached by a DNS name (in Kubernetes a
 * headless Service: one address per ready Pod), the set of Pods changes under Envoy on every roll,
 * so such a cluster follows it closely: DNS is resolved again every second, each Pod is health
 * checked over the standard gRPC health service (a stopping Pod answers NOT_SERVING and is left out
 * at once; one that stops answering after {@link #UNHEALTHY_THRESHOLD} checks), traffic never goes
 * to a Pod that failed its check (no panic routing), and HTTP/2 pings close a connection whose peer
 * went away without a word. Reached by an IP address (one local process), a cluster stays plain.
 */
final class ServiceClusters {
  /** How often Envoy resolves the service's name again. */
  static final long DNS_REFRESH_MILLIS = 1_000;

  /** How often each Pod is health checked, with or without traffic, and the check's timeout. */
  static final long HEALTH_CHECK_MILLIS = 2_000;

  /** Checks without an answer (timeouts, refused connections) before a Pod is left out. */
  static final int UNHEALTHY_THRESHOLD = 3;

  /** HTTP/2 ping interval on every connection, and how long Envoy waits for its answer. */
  static final long KEEPALIVE_INTERVAL_MILLIS = 10_000;

  static final long KEEPALIVE_TIMEOUT_MILLIS = 5_000;

  private ServiceClusters() {}

  /** The cluster of a gRPC service of Tollgate's own at {@code host:port}. */
  static Cluster cluster(String name, String host, int port, ServiceTls tls) {
    Cluster plain = ClusterTranslator.grpcCluster(name, host, port, tls);
    if (XdsProtos.isIpAddress(host)) {
      return plain;
    }
    return plain.toBuilder()
        .setDnsRefreshRate(Durations.fromMillis(DNS_REFRESH_MILLIS))
        .addHealthChecks(
            HealthCheck.newBuilder()
                .setTimeout(Durations.fromMillis(HEALTH_CHECK_MILLIS))
                .setInterval(Durations.fromMillis(HEALTH_CHECK_MILLIS))
                .setNoTrafficInterval(Durations.fromMillis(HEALTH_CHECK_MILLIS))
                .setUnhealthyThreshold(UInt32Value.of(UNHEALTHY_THRESHOLD))
                .setHealthyThreshold(UInt32Value.of(1))
                .setGrpcHealthCheck(HealthCheck.GrpcHealthCheck.getDefaultInstance()))
        .setCommonLbConfig(
            Cluster.CommonLbConfig.newBuilder()
                .setHealthyPanicThreshold(Percent.newBuilder().setValue(0)))
        .putTypedExtensionProtocolOptions(
            XdsProtos.HTTP_PROTOCOL_OPTIONS,
            Any.pack(
                HttpProtocolOptions.newBuilder()
                    .setExplicitHttpConfig(
                        HttpProtocolOptions.ExplicitHttpConfig.newBuilder()
                            .setHttp2ProtocolOptions(
                                Http2ProtocolOptions.newBuilder()
                                    .setConnectionKeepalive(
                                        KeepaliveSettings.newBuilder()
                                            .setInterval(
                                                Durations.fromMillis(KEEPALIVE_INTERVAL_MILLIS))
                                            .setTimeout(
                                                Durations.fromMillis(KEEPALIVE_TIMEOUT_MILLIS)))))
                    .build()))
        .build();
  }
}
