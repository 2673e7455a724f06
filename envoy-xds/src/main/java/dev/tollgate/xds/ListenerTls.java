package dev.tollgate.xds;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsParameters;

/**
 * Downstream TLS of the public listener: TLS 1.2 or later, HTTP/2 or HTTP/1.1 by ALPN, and the
 * certificate from the SDS secret {@link #SECRET} over ADS, never inline in the listener. A new
 * version of the secret swaps the certificate of new connections without draining the listener.
 */
public final class ListenerTls {
  /** SDS name of the listener's certificate and key ({@link ListenerCertificate}). */
  public static final String SECRET = "tollgate/listener-certificate";

  private ListenerTls() {}

  /** The listener's TLS transport socket. */
  static TransportSocket transportSocket() {
    DownstreamTlsContext tls =
        DownstreamTlsContext.newBuilder()
            .setCommonTlsContext(
                CommonTlsContext.newBuilder()
                    .setTlsParams(
                        TlsParameters.newBuilder()
                            .setTlsMinimumProtocolVersion(TlsParameters.TlsProtocol.TLSv1_2))
                    .addAlpnProtocols("h2")
                    .addAlpnProtocols("http/1.1")
                    .addTlsCertificateSdsSecretConfigs(
                        SdsSecretConfig.newBuilder().setName(SECRET).setSdsConfig(XdsProtos.ADS)))
            .build();
    return TransportSocket.newBuilder()
        .setName("envoy.transport_sockets.tls")
        .setTypedConfig(Any.pack(tls))
        .build();
  }
}
