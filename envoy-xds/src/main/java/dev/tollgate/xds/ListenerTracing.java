package dev.tollgate.xds;

import com.google.protobuf.util.Durations;
import dev.tollgate.model.Wire;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.trace.v3.OpenTelemetryConfig;
import io.envoyproxy.envoy.config.trace.v3.Tracing;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.type.metadata.v3.MetadataKey;
import io.envoyproxy.envoy.type.metadata.v3.MetadataKind;
import io.envoyproxy.envoy.type.tracing.v3.CustomTag;
import io.envoyproxy.envoy.type.v3.Percent;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The gateway listener's OpenTelemetry tracing: one server span per request, exported over
 * OTLP/gRPC to the {@link #CLUSTER} cluster, a child of the client's W3C {@code traceparent} when
 * there is one. The GenAI semantic-convention attributes come from the processor's dynamic
 * metadata, which Envoy reads when it finishes the span, after the last body chunk: so the usage is
 * the one committed, for streams too. No header is turned into an attribute, so neither a client's
 * key nor a provider's ever reaches a span.
 */
final class ListenerTracing {
  /** Cluster of the OTLP collector. */
  static final String CLUSTER = "tollgate/otlp";

  /** The {@code service.name} of the gateway's spans. */
  static final String SERVICE_NAME = "tollgate-gateway";

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
            .setServiceName(SERVICE_NAME)
            .build();
    HttpConnectionManager.Tracing.Builder tracing =
        HttpConnectionManager.Tracing.newBuilder()
            .setProvider(
                Tracing.Http.newBuilder()
                    .setName("envoy.tracers.opentelemetry")
                    .setTypedConfig(com.google.protobuf.Any.pack(otel)))
            .setRandomSampling(Percent.newBuilder().setValue(settings.samplingPercent()));
    METADATA_TAGS.forEach((tag, key) -> tracing.addCustomTags(metadataTag(tag, key)));
    return tracing.build();
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
