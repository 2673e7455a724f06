package dev.tollgate.xds;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import dev.tollgate.tls.TlsFiles;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.PathConfigSource;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.core.v3.WatchedDirectory;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * Mutual TLS from Envoy to Tollgate's own gRPC services (ADS, processor, rate-limit service): Envoy
 * presents the client certificate in {@code certificateDirectory} ({@code tls.crt}, {@code
 * tls.key}) and accepts only a server certificate that chains to its {@code ca.crt} and names the
 * service's host. Envoy reads them through file-based SDS from {@code sdsDirectory} and watches the
 * certificate directory, so rewriting the files (or Kubernetes swapping a mounted Secret) rotates
 * them without a restart. Both paths are in Envoy's file system.
 *
 * @param certificateDirectory directory of Envoy's client certificate, key and the CA
 * @param sdsDirectory directory of the two SDS files of {@link #sdsFiles()}
 */
public record ServiceTls(String certificateDirectory, String sdsDirectory) {
  /** SDS name of Envoy's client certificate. */
  public static final String CERTIFICATE_SECRET = "tollgate/service-client-certificate";

  /** SDS name of the CA Envoy validates the services against. */
  public static final String CA_SECRET = "tollgate/service-ca";

  /** File name, in the SDS directory, of the client certificate's SDS resource. */
  public static final String CERTIFICATE_SDS_FILE = "service-client-certificate.json";

  /** File name, in the SDS directory, of the CA's SDS resource. */
  public static final String CA_SDS_FILE = "service-ca.json";

  /** The transport socket of a cluster reaching one of Tollgate's services at {@code host}. */
  TransportSocket transportSocket(String host) {
    boolean ip = XdsProtos.isIpAddress(host);
    SubjectAltNameMatcher san = UpstreamTls.subjectAltName(host, ip);
    UpstreamTlsContext.Builder tls =
        UpstreamTlsContext.newBuilder()
            .setCommonTlsContext(
                CommonTlsContext.newBuilder()
                    // gRPC servers refuse a TLS connection that did not negotiate HTTP/2.
                    .addAlpnProtocols("h2")
                    .addTlsCertificateSdsSecretConfigs(
                        sds(CERTIFICATE_SECRET, CERTIFICATE_SDS_FILE))
                    .setCombinedValidationContext(
                        CommonTlsContext.CombinedCertificateValidationContext.newBuilder()
                            .setDefaultValidationContext(
                                CertificateValidationContext.newBuilder()
                                    .addMatchTypedSubjectAltNames(san))
                            .setValidationContextSdsSecretConfig(sds(CA_SECRET, CA_SDS_FILE))));
    return UpstreamTls.socket(tls, host, ip);
  }

  /**
   * The SDS files Envoy reads, by file name, to be written into {@link #sdsDirectory()}: they name
   * the certificate files and never contain a key.
   */
  public Map<String, String> sdsFiles() {
    TlsFiles files = TlsFiles.in(Path.of(certificateDirectory));
    WatchedDirectory watched = WatchedDirectory.newBuilder().setPath(certificateDirectory).build();
    Secret certificate =
        Secret.newBuilder()
            .setName(CERTIFICATE_SECRET)
            .setTlsCertificate(
                TlsCertificate.newBuilder()
                    .setCertificateChain(file(files.certificate()))
                    .setPrivateKey(file(files.key()))
                    .setWatchedDirectory(watched))
            .build();
    Secret ca =
        Secret.newBuilder()
            .setName(CA_SECRET)
            .setValidationContext(
                CertificateValidationContext.newBuilder()
                    .setTrustedCa(file(files.ca()))
                    .setWatchedDirectory(watched))
            .build();
    Map<String, String> out = new TreeMap<>();
    out.put(CERTIFICATE_SDS_FILE, json(certificate));
    out.put(CA_SDS_FILE, json(ca));
    return out;
  }

  private SdsSecretConfig sds(String name, String file) {
    return SdsSecretConfig.newBuilder()
        .setName(name)
        .setSdsConfig(
            ConfigSource.newBuilder()
                .setResourceApiVersion(ApiVersion.V3)
                .setPathConfigSource(
                    PathConfigSource.newBuilder()
                        .setPath(Path.of(sdsDirectory).resolve(file).toString())))
        .build();
  }

  private static DataSource file(Path path) {
    return DataSource.newBuilder().setFilename(path.toString()).build();
  }

  private static String json(Secret secret) {
    try {
      return JsonFormat.printer()
              .usingTypeRegistry(
                  JsonFormat.TypeRegistry.newBuilder().add(Secret.getDescriptor()).build())
              .print(DiscoveryResponse.newBuilder().addResources(Any.pack(secret)))
          + "\n";
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("cannot render the SDS file of " + secret.getName(), e);
    }
  }
}
