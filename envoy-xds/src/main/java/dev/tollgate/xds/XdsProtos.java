package dev.tollgate.xds;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import com.google.protobuf.util.Durations;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.util.regex.Pattern;

/** Small builders of xDS messages that every translator uses. */
final class XdsProtos {
  /** Where Envoy fetches what a resource refers to: the same ADS stream. */
  static final ConfigSource ADS =
      ConfigSource.newBuilder()
          .setAds(AggregatedConfigSource.getDefaultInstance())
          .setResourceApiVersion(ApiVersion.V3)
          .build();

  /** Key of {@link HttpProtocolOptions} in a cluster's typed extension protocol options. */
  static final String HTTP_PROTOCOL_OPTIONS =
      "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";

  /** Upstream protocol of a gRPC cluster: HTTP/2. */
  static final HttpProtocolOptions HTTP2 =
      HttpProtocolOptions.newBuilder()
          .setExplicitHttpConfig(
              HttpProtocolOptions.ExplicitHttpConfig.newBuilder()
                  .setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance()))
          .build();

  private static final Pattern IP_ADDRESS = Pattern.compile("^[0-9.]+$|^\\[?[0-9a-fA-F:]+\\]?$");

  private XdsProtos() {}

  /** Returns whether a host is an IP address rather than a DNS name. */
  static boolean isIpAddress(String host) {
    return IP_ADDRESS.matcher(host).matches();
  }

  static Address socketAddress(String host, int port) {
    return Address.newBuilder()
        .setSocketAddress(SocketAddress.newBuilder().setAddress(host).setPortValue(port))
        .build();
  }

  static GrpcService grpcService(String cluster, long timeoutMillis) {
    return GrpcService.newBuilder()
        .setEnvoyGrpc(GrpcService.EnvoyGrpc.newBuilder().setClusterName(cluster))
        .setTimeout(Durations.fromMillis(timeoutMillis))
        .build();
  }

  static HttpFilter httpFilter(String name, Message config) {
    return HttpFilter.newBuilder().setName(name).setTypedConfig(Any.pack(config)).build();
  }

  static TypedExtensionConfig typed(String name, Message config) {
    return TypedExtensionConfig.newBuilder().setName(name).setTypedConfig(Any.pack(config)).build();
  }

  static DataSource inline(String text) {
    return DataSource.newBuilder().setInlineString(text).build();
  }

  static com.google.protobuf.Value text(String value) {
    return com.google.protobuf.Value.newBuilder().setStringValue(value).build();
  }
}
