package dev.tollgate.xds;

import static dev.tollgate.xds.XdsProtos.grpcService;
import static dev.tollgate.xds.XdsProtos.httpFilter;
import static dev.tollgate.xds.XdsProtos.socketAddress;
import static dev.tollgate.xds.XdsProtos.typed;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.Struct;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.util.Durations;
import dev.tollgate.model.Wire;
import io.envoyproxy.envoy.config.accesslog.v3.AccessLog;
import io.envoyproxy.envoy.config.common.mutation_rules.v3.HeaderMutation;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.SubstitutionFormatString;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.ratelimit.v3.RateLimitServiceConfig;
import io.envoyproxy.envoy.extensions.access_loggers.stream.v3.StdoutAccessLog;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.MetadataOptions;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode;
import io.envoyproxy.envoy.extensions.filters.http.ratelimit.v3.RateLimit;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.type.v3.HttpStatus;
import io.envoyproxy.envoy.type.v3.StatusCode;
import java.util.TreeMap;

/**
 * Translates the public listener: the HTTP connection manager with its early header mutation, its
 * HTTP filters (processor, rate limit, router), its access log and, when the settings ask for it,
 * its tracing ({@link ListenerTracing}). It depends only on the settings, not on the model.
 */
final class ListenerTranslator {
  /** Name of the processor's HTTP filter. */
  static final String EXT_PROC_FILTER = "envoy.filters.http.ext_proc";

  /** Name of the rate-limit HTTP filter; routes configure it per route under this name. */
  static final String RATE_LIMIT_FILTER = "envoy.filters.http.ratelimit";

  /**
   * How long Envoy waits for a budget decision. Decisions take well under a millisecond; the limit
   * only caps a stall, such as the first calls into a cold JVM, which at 500 ms turned a burst of
   * first requests into 503s.
   */
  private static final long RATE_LIMIT_TIMEOUT_MILLIS = 2000;

  /** Seconds a client may take to send its request headers (slowloris). */
  static final int REQUEST_HEADERS_TIMEOUT_SECONDS = 10;

  /**
   * Seconds a stream may go without bytes either way; long enough for a model's time to first
   * token.
   */
  static final int STREAM_IDLE_TIMEOUT_SECONDS = 300;

  /** Request header size limit; a large JWT fits several times (Envoy's default is 60). */
  static final int MAX_REQUEST_HEADERS_KB = 32;

  /** Concurrent HTTP/2 streams per client connection, as Envoy recommends at the edge. */
  static final int MAX_CONCURRENT_STREAMS = 100;

  private final XdsSettings settings;

  ListenerTranslator(XdsSettings settings) {
    this.settings = settings;
  }

  Listener listener() {
    HttpConnectionManager hcm =
        HttpConnectionManager.newBuilder()
            .setStatPrefix("tollgate")
            .setCodecType(HttpConnectionManager.CodecType.AUTO)
            .setRds(
                Rds.newBuilder()
                    .setConfigSource(XdsProtos.ADS)
                    .setRouteConfigName(XdsNames.ROUTE_CONFIG))
            .setUseRemoteAddress(BoolValue.of(true))
            .setPreserveExternalRequestId(false)
            .setStreamIdleTimeout(Durations.fromSeconds(STREAM_IDLE_TIMEOUT_SECONDS))
            .setRequestTimeout(Durations.fromSeconds(0))
            .setRequestHeadersTimeout(Durations.fromSeconds(REQUEST_HEADERS_TIMEOUT_SECONDS))
            .setMaxRequestHeadersKb(UInt32Value.of(MAX_REQUEST_HEADERS_KB))
            // Routes match the normalized path, and the upstream path filter rebuilds a provider's
            // path from it: "/v1/x/../files", "//v1/files" and "%2e%2e" become the path they
            // stand for, which is served only if it is listed. An encoded slash or backslash has
            // no meaning in these APIs; decoding it would make one path look like another to a
            // provider, and a redirect would resend a POST body, so it is refused.
            .setNormalizePath(BoolValue.of(true))
            .setMergeSlashes(true)
            .setPathWithEscapedSlashesAction(
                HttpConnectionManager.PathWithEscapedSlashesAction.REJECT_REQUEST)
            .setCommonHttpProtocolOptions(
                HttpProtocolOptions.newBuilder()
                    // Some servers read "x_tollgate_namespace" as "x-tollgate-namespace".
                    .setHeadersWithUnderscoresAction(
                        HttpProtocolOptions.HeadersWithUnderscoresAction.DROP_HEADER))
            .setHttp2ProtocolOptions(
                Http2ProtocolOptions.newBuilder()
                    .setMaxConcurrentStreams(UInt32Value.of(MAX_CONCURRENT_STREAMS)))
            .addEarlyHeaderMutationExtensions(
                typed(
                    "tollgate.strip_identity_headers",
                    io.envoyproxy.envoy.extensions.http.early_header_mutation.header_mutation.v3
                        .HeaderMutation.newBuilder()
                        .addAllMutations(
                            Wire.IDENTITY_HEADERS.stream()
                                .map(h -> HeaderMutation.newBuilder().setRemove(h).build())
                                .toList())
                        // The budget commit is keyed by the request id: Envoy always makes it,
                        // even for clients it counts as internal.
                        .addMutations(
                            HeaderMutation.newBuilder().setRemove(Wire.REQUEST_ID_HEADER).build())
                        .build()))
            // Enabled by the virtual host (RouteTranslator), so that routeless codec replies skip
            // it.
            .addHttpFilters(
                httpFilter(EXT_PROC_FILTER, processorFilter()).toBuilder().setDisabled(true))
            .addHttpFilters(httpFilter(RATE_LIMIT_FILTER, rateLimitFilter()))
            .addHttpFilters(
                httpFilter(
                    "envoy.filters.http.router",
                    Router.newBuilder().setSuppressEnvoyHeaders(true).build()))
            .setLocalReplyConfig(LocalReplies.config())
            .addAccessLog(accessLog())
            .build();
    if (settings.tracing() != null) {
      hcm = hcm.toBuilder().setTracing(ListenerTracing.tracing(settings.tracing())).build();
    }
    return Listener.newBuilder()
        .setName(XdsNames.LISTENER)
        // Above the processor's 1 MiB body limit, so that the processor, not Envoy's buffer,
        // answers an oversized body (with OpenAI's error shape and a metric).
        .setPerConnectionBufferLimitBytes(UInt32Value.of(2 * 1024 * 1024))
        .setAddress(socketAddress(settings.listenerAddress(), settings.listenerPort()))
        .addFilterChains(filterChain(hcm))
        .build();
  }

  /** The one filter chain: TLS from the SDS secret when the settings ask for it. */
  private FilterChain filterChain(HttpConnectionManager hcm) {
    FilterChain.Builder chain =
        FilterChain.newBuilder()
            .addFilters(
                Filter.newBuilder()
                    .setName("envoy.filters.network.http_connection_manager")
                    .setTypedConfig(Any.pack(hcm)));
    if (settings.listenerTls()) {
      chain.setTransportSocket(ListenerTls.transportSocket());
    }
    return chain.build();
  }

  private ExternalProcessor processorFilter() {
    return ExternalProcessor.newBuilder()
        .setGrpcService(grpcService(XdsNames.PROCESSOR_CLUSTER, settings.processorTimeoutMillis()))
        .setFailureModeAllow(false)
        .setProcessingMode(
            ProcessingMode.newBuilder()
                .setRequestHeaderMode(ProcessingMode.HeaderSendMode.SEND)
                .setRequestBodyMode(ProcessingMode.BodySendMode.BUFFERED)
                .setRequestTrailerMode(ProcessingMode.HeaderSendMode.SKIP)
                .setResponseHeaderMode(ProcessingMode.HeaderSendMode.SEND)
                .setResponseBodyMode(ProcessingMode.BodySendMode.STREAMED)
                .setResponseTrailerMode(ProcessingMode.HeaderSendMode.SKIP))
        .setAllowModeOverride(true)
        .setMessageTimeout(Durations.fromMillis(settings.processorTimeoutMillis()))
        .setMetadataOptions(
            MetadataOptions.newBuilder()
                .setReceivingNamespaces(
                    MetadataOptions.MetadataNamespaces.newBuilder()
                        .addUntyped(Wire.METADATA_NAMESPACE)))
        .build();
  }

  private RateLimit rateLimitFilter() {
    return RateLimit.newBuilder()
        .setDomain(Wire.RATE_LIMIT_DOMAIN)
        .setRequestType("external")
        .setTimeout(Durations.fromMillis(RATE_LIMIT_TIMEOUT_MILLIS))
        .setFailureModeDeny(!settings.rateLimitFailOpen())
        .setRateLimitService(
            RateLimitServiceConfig.newBuilder()
                .setGrpcService(grpcService(XdsNames.RATE_LIMIT_CLUSTER, RATE_LIMIT_TIMEOUT_MILLIS))
                .setTransportApiVersion(ApiVersion.V3))
        .setStatusOnError(HttpStatus.newBuilder().setCode(StatusCode.ServiceUnavailable))
        .build();
  }

  private static String dynamicMetadata(String key) {
    return "%DYNAMIC_METADATA(" + Wire.METADATA_NAMESPACE + ":" + key + ")%";
  }

  private static AccessLog accessLog() {
    var format = new TreeMap<String, String>();
    format.put("time", "%START_TIME%");
    format.put("request_id", "%REQ(X-REQUEST-ID)%");
    format.put("method", "%REQ(:METHOD)%");
    format.put("path", "%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%");
    format.put("status", "%RESPONSE_CODE%");
    format.put("flags", "%RESPONSE_FLAGS%");
    // From the processor's metadata: the identity headers do not survive the upstream filters.
    format.put("namespace", dynamicMetadata(Wire.NAMESPACE_KEY));
    format.put("client", dynamicMetadata(Wire.CLIENT_KEY));
    format.put("model", dynamicMetadata(Wire.MODEL_KEY));
    format.put("upstream_cluster", "%UPSTREAM_CLUSTER%");
    format.put("duration_ms", "%DURATION%");
    format.put("upstream_ms", "%RESPONSE_DURATION%");
    Struct.Builder struct = Struct.newBuilder();
    format.forEach((k, v) -> struct.putFields(k, XdsProtos.text(v)));
    return AccessLog.newBuilder()
        .setName("envoy.access_loggers.stdout")
        .setTypedConfig(
            Any.pack(
                StdoutAccessLog.newBuilder()
                    .setLogFormat(SubstitutionFormatString.newBuilder().setJsonFormat(struct))
                    .build()))
        .build();
  }
}
