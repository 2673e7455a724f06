package dev.tollgate.xds;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;

/**
 * TLS towards a provider: the certificate must chain to the CA bundle and name the host (DNS name
 * or IP address); SNI carries a DNS name.
 */
final class UpstreamTls {
  private UpstreamTls() {}

  static TransportSocket transportSocket(String host, boolean ip, String caBundlePath) {
    SubjectAltNameMatcher san = subjectAltName(host, ip);
    UpstreamTlsContext.Builder tls =
        UpstreamTlsContext.newBuilder()
            .setCommonTlsContext(
                CommonTlsContext.newBuilder()
                    .addAlpnProtocols("http/1.1")
                    .setValidationContext(
                        CertificateValidationContext.newBuilder()
                            .setTrustedCa(
                                io.envoyproxy.envoy.config.core.v3.DataSource.newBuilder()
                                    .setFilename(caBundlePath))
                            .addMatchTypedSubjectAltNames(san)));
    return socket(tls, host, ip);
  }

  /** Wraps a TLS context into Envoy's TLS transport socket, with SNI when the host is a name. */
  static TransportSocket socket(UpstreamTlsContext.Builder tls, String host, boolean ip) {
    if (!ip) {
      tls.setSni(host);
    }
    return TransportSocket.newBuilder()
        .setName("envoy.transport_sockets.tls")
        .setTypedConfig(Any.pack(tls.build()))
        .build();
  }

  /** The certificate must name {@code host}: an IP SAN for an address, a DNS SAN for a name. */
  static SubjectAltNameMatcher subjectAltName(String host, boolean ip) {
    return SubjectAltNameMatcher.newBuilder()
        .setSanType(
            ip ? SubjectAltNameMatcher.SanType.IP_ADDRESS : SubjectAltNameMatcher.SanType.DNS)
        .setMatcher(StringMatcher.newBuilder().setExact(host))
        .build();
  }
}
