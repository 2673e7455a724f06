package dev.tollgate.xds;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.UnknownFieldSet;
import com.google.protobuf.util.Durations;
import dev.tollgate.model.Wire;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.core.v3.WatchedDirectory;
import io.envoyproxy.envoy.config.trace.v3.OpenTelemetryConfig;
import io.envoyproxy.envoy.config.trace.v3.Tracing;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.type.metadata.v3.MetadataKey;
import io.envoyproxy.envoy.type.metadata.v3.MetadataKind;
import io.envoyproxy.envoy.type.tracing.v3.CustomTag;
import io.envoyproxy.envoy.type.v3.Percent;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The gateway listener's OpenTelemetry tracing: one server span per request, exported over
 * OTLP/gRPC (plaintext or TLS) to the {@link #CLUSTER} cluster, a child of the client's W3C {@code
 * traceparent} when there is one. The GenAI semantic-convention attributes come from the
 * processor's dynamic metadata, which Envoy reads when it finishes the span, after the last body
 * chunk: so the usage is the one committed, for streams too. The span is named {@code {operation}
 * {request model}} from the same metadata. No header is turned into an attribute, so neither a
 * client's key nor a provider's ever reaches a span.
 */
final class ListenerTracing {
  /** Cluster of the OTLP collector. */
  static final String CLUSTER = "tollgate/otlp";

  /**
   * SDS name of the client certificate Envoy presents to the collector: sent on the ADS stream and
   * holding only the files' paths, never the key.
   */
  static final String CLIENT_CERTIFICATE_SECRET = "tollgate/otlp-client-certificate";

  /**
   * SDS name of the CA the collector's certificate must chain to, when one is given: the file's
   * path and its directory, which Envoy watches, sent on the ADS stream.
   */
  static final String CA_SECRET = "tollgate/otlp-ca";

  /**
   * The span name of the GenAI semantic conventions, {@code {gen_ai.operation.name}
   * {gen_ai.request.model}}, as an Envoy format string read when the span ends.
   */
  static final String SPAN_NAME =
      "%DYNAMIC_METADATA("
          + Wire.METADATA_NAMESPACE
          + ":"
          + Wire.OPERATION
          + ")% %DYNAMIC_METADATA("
          + Wire.METADATA_NAMESPACE
          + ":"
          + Wire.MODEL_KEY
          + ")%";

  /**
   * Number of {@code HttpConnectionManager.Tracing.operation}, which Envoy 1.40 reads and the
   * generated API classes Tollgate builds on (control-plane 1.0.49) predate.
   */
  static final int OPERATION_FIELD = 11;

  /** How long Envoy waits for the collector to take one export. */
  private static final long EXPORT_TIMEOUT_MILLIS = 5000;

  /** Span attribute → key of the processor's metadata, in the order Envoy sets them. */
  static final Map<String, String> METADATA_TAGS = metadataTags();

  private ListenerTracing() {}

  private static Map<String, String> metadataTags() {
    Map<String, String> tags = new LinkedHashMap<>();
    tags.put("gen_ai.operation.name", Wire.OPERATION);
    tags.put("gen_ai.provider.name", Wire.PROVIDER_SYSTEM);
    // Its name before semantic conventions 1.37, still what many backends read.
    tags.put("gen_ai.system", Wire.PROVIDER_SYSTEM);
    tags.put("gen_ai.request.model", Wire.MODEL_KEY);
    tags.put("gen_ai.response.model", Wire.RESPONSE_MODEL);
    tags.put("gen_ai.usage.input_tokens", Wire.INPUT_TOKENS);
    tags.put("gen_ai.usage.output_tokens", Wire.OUTPUT_TOKENS);
    tags.put("tollgate.namespace", Wire.NAMESPACE_KEY);
    tags.put("tollgate.client", Wire.CLIENT_KEY);
    tags.put("tollgate.provider", Wire.PROVIDER);
    return Collections.unmodifiableMap(tags);
  }

  /** The connection manager's tracing configuration. */
  static HttpConnectionManager.Tracing tracing(OtlpTracing settings) {
    OpenTelemetryConfig otel =
        OpenTelemetryConfig.newBuilder()
            .setGrpcService(
                GrpcService.newBuilder()
                    .setEnvoyGrpc(GrpcService.EnvoyGrpc.newBuilder().setClusterName(CLUSTER))
                    .setTimeout(Durations.fromMillis(EXPORT_TIMEOUT_MILLIS)))
            .setServiceName(settings.serviceName())
            .build();
    HttpConnectionManager.Tracing.Builder tracing =
        HttpConnectionManager.Tracing.newBuilder()
            .setProvider(
                Tracing.Http.newBuilder()
                    .setName("envoy.tracers.opentelemetry")
                    .setTypedConfig(com.google.protobuf.Any.pack(otel)))
            .setRandomSampling(Percent.newBuilder().setValue(settings.samplingPercent()));
    METADATA_TAGS.forEach((tag, key) -> tracing.addCustomTags(metadataTag(tag, key)));
    setOperation(tracing, SPAN_NAME);
    return tracing.build();
  }

  /**
   * Sets the span name's format string: by name once the API classes know the field, by number
   * until then (protobuf keeps an unknown field and sends it, and Envoy reads it as {@code
   * operation}). JSON renderings, the goldens' included, do not show an unknown field.
   */
  static void setOperation(HttpConnectionManager.Tracing.Builder tracing, String format) {
    FieldDescriptor field =
        HttpConnectionManager.Tracing.getDescriptor().findFieldByNumber(OPERATION_FIELD);
    if (field != null) {
      tracing.setField(field, format);
      return;
    }
    tracing.setUnknownFields(
        UnknownFieldSet.newBuilder(tracing.getUnknownFields())
            .addField(
                OPERATION_FIELD,
                UnknownFieldSet.Field.newBuilder()
                    .addLengthDelimited(ByteString.copyFromUtf8(format))
                    .build())
            .build());
  }

  /**
   * The collector's cluster: HTTP/2 for gRPC, and TLS when asked for, the collector's certificate
   * checked against the CA file (or {@code caBundlePath}) and the host name or address.
   */
  static Cluster cluster(OtlpTracing settings, String caBundlePath) {
    Cluster cluster =
        ClusterTranslator.grpcCluster(CLUSTER, settings.host(), settings.port(), null);
    if (!settings.tls()) {
      return cluster;
    }
    return cluster.toBuilder().setTransportSocket(tlsSocket(settings, caBundlePath)).build();
  }

  private static TransportSocket tlsSocket(OtlpTracing settings, String caBundlePath) {
    boolean ip = XdsProtos.isIpAddress(settings.host());
    CertificateValidationContext.Builder names =
        CertificateValidationContext.newBuilder()
            .addMatchTypedSubjectAltNames(UpstreamTls.subjectAltName(settings.host(), ip));
    CommonTlsContext.Builder common =
        CommonTlsContext.newBuilder()
            // gRPC servers refuse a TLS connection that did not negotiate HTTP/2.
            .addAlpnProtocols("h2");
    if (settings.caFile() == null) {
      // The system's bundle, which changes with Envoy's image.
      common.setValidationContext(
          names.setTrustedCa(DataSource.newBuilder().setFilename(caBundlePath)));
    } else {
      // A CA of the deployment's own, by SDS with a watched directory: a rotated CA applies to the
      // next connection without restarting Envoy.
      common.setCombinedValidationContext(
          CommonTlsContext.CombinedCertificateValidationContext.newBuilder()
              .setDefaultValidationContext(names)
              .setValidationContextSdsSecretConfig(
                  SdsSecretConfig.newBuilder().setName(CA_SECRET).setSdsConfig(XdsProtos.ADS)));
    }
    if (settings.mutualTls()) {
      common.addTlsCertificateSdsSecretConfigs(
          SdsSecretConfig.newBuilder()
              .setName(CLIENT_CERTIFICATE_SECRET)
              .setSdsConfig(XdsProtos.ADS));
    }
    UpstreamTlsContext.Builder tls = UpstreamTlsContext.newBuilder().setCommonTlsContext(common);
    return UpstreamTls.socket(tls, settings.host(), ip);
  }

  /**
   * The SDS secret of the client certificate towards the collector, or empty without one: the two
   * files' paths and their directory, which Envoy watches, so a rotated certificate (a Kubernetes
   * Secret's volume swapping its files, or files moved into the directory) applies without a
   * restart.
   */
  static Optional<Secret> clientCertificateSecret(OtlpTracing settings) {
    if (settings == null || !settings.mutualTls()) {
      return Optional.empty();
    }
    return Optional.of(
        Secret.newBuilder()
            .setName(CLIENT_CERTIFICATE_SECRET)
            .setTlsCertificate(
                TlsCertificate.newBuilder()
                    .setCertificateChain(
                        DataSource.newBuilder().setFilename(settings.clientCertificateFile()))
                    .setPrivateKey(DataSource.newBuilder().setFilename(settings.clientKeyFile()))
                    .setWatchedDirectory(
                        WatchedDirectory.newBuilder()
                            .setPath(settings.clientCertificateDirectory())))
            .build());
  }

  /**
   * The SDS secret of the CA towards the collector, or empty unless a CA file is given: the file's
   * path and its directory, which Envoy watches, so a CA replaced by a rename in it (a Kubernetes
   * Secret volume's {@code ..data} swap) applies without a restart.
   */
  static Optional<Secret> caSecret(OtlpTracing settings) {
    if (settings == null || settings.caFile() == null) {
      return Optional.empty();
    }
    return Optional.of(
        Secret.newBuilder()
            .setName(CA_SECRET)
            .setValidationContext(
                CertificateValidationContext.newBuilder()
                    .setTrustedCa(DataSource.newBuilder().setFilename(settings.caFile()))
                    .setWatchedDirectory(
                        WatchedDirectory.newBuilder().setPath(settings.caDirectory())))
            .build());
  }

  private static CustomTag metadataTag(String tag, String key) {
    return CustomTag.newBuilder()
        .setTag(tag)
        .setMetadata(
            CustomTag.Metadata.newBuilder()
                .setKind(
                    MetadataKind.newBuilder().setRequest(MetadataKind.Request.getDefaultInstance()))
                .setMetadataKey(
                    MetadataKey.newBuilder()
                        .setKey(Wire.METADATA_NAMESPACE)
                        .addAllPath(
                            List.of(MetadataKey.PathSegment.newBuilder().setKey(key).build()))))
        .build();
  }
}
