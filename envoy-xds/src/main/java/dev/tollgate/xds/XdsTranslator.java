package dev.tollgate.xds;

import com.github.xds.type.matcher.v3.Matcher;
import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.Duration;
import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.util.Durations;
import dev.tollgate.api.v1alpha1.RetryOn;
import dev.tollgate.model.GatewayModel;
import dev.tollgate.model.GatewayModel.Backend;
import dev.tollgate.model.GatewayModel.Provider;
import dev.tollgate.model.GatewayModel.Rule;
import dev.tollgate.model.Wire;
import io.envoyproxy.envoy.config.accesslog.v3.AccessLog;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.common.mutation_rules.v3.HeaderMutation;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.Http1ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.SubstitutionFormatString;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.ratelimit.v3.RateLimitServiceConfig;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.RateLimit;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.access_loggers.stream.v3.StdoutAccessLog;
import io.envoyproxy.envoy.extensions.clusters.aggregate.v3.ClusterConfig;
import io.envoyproxy.envoy.extensions.common.matching.v3.ExtensionWithMatcher;
import io.envoyproxy.envoy.extensions.filters.http.composite.v3.Composite;
import io.envoyproxy.envoy.extensions.filters.http.composite.v3.ExecuteFilterAction;
import io.envoyproxy.envoy.extensions.filters.http.credential_injector.v3.CredentialInjector;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.MetadataOptions;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode;
import io.envoyproxy.envoy.extensions.filters.http.header_mutation.v3.Mutations;
import io.envoyproxy.envoy.extensions.filters.http.lua.v3.Lua;
import io.envoyproxy.envoy.extensions.filters.http.ratelimit.v3.RateLimitPerRoute;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.http.upstream_codec.v3.UpstreamCodec;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.extensions.http.injected_credentials.generic.v3.Generic;
import io.envoyproxy.envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate;
import io.envoyproxy.envoy.extensions.retry.priority.previous_priorities.v3.PreviousPrioritiesConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.GenericSecret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.type.matcher.v3.HttpRequestHeaderMatchInput;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Translates a {@link GatewayModel} into Envoy xDS resources.
 *
 * <p>A pure function of the model and the settings: no clients, no clock. Output lists are sorted
 * by name, so the same model always yields the same resources. Provider keys appear only in SDS
 * secrets, never in listeners, routes or clusters. Thread-safe.
 */
public final class XdsTranslator {
  /**
   * How long Envoy waits for a budget decision. Decisions take well under a millisecond; the limit
   * only caps a stall, such as the first calls into a cold JVM, which at 500 ms turned a burst of
   * first requests into 503s.
   */
  private static final long RATE_LIMIT_TIMEOUT_MILLIS = 2000;

  private static final String NO_CREDENTIAL = "none";
  private static final String META_UPSTREAM_MODEL = "upstream_model";
  private static final String META_PATH_PREFIX = "path_prefix";
  private static final String META_PATH_STRIP = "path_strip";
  private static final String META_PATH_QUERY = "path_query";
  private static final String META_CREDENTIAL = "credential";
  private static final String META_PROVIDER = "provider";

  /**
   * Response header naming the provider that served the attempt, from the upstream host's endpoint
   * metadata: the processor reads it (and removes it) so that a rule spanning several providers
   * commits the cost of the one that answered. Overwrites whatever a provider sent.
   */
  private static final HeaderValueOption SERVING_PROVIDER =
      HeaderValueOption.newBuilder()
          .setHeader(
              HeaderValue.newBuilder()
                  .setKey("x-tollgate-provider")
                  .setValue(
                      "%UPSTREAM_METADATA([\"" + Wire.METADATA_NAMESPACE + "\", \"provider\"])%"))
          .setAppendAction(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD)
          .build();

  private static final String PATH_PREFIX_HEADER = "x-tollgate-path-prefix";
  private static final String PATH_STRIP_HEADER = "x-tollgate-path-strip";
  private static final String PATH_QUERY_HEADER = "x-tollgate-path-query";
  private static final String CREDENTIAL_HEADER = "x-tollgate-credential";
  private static final String EXT_PROC_FILTER = "envoy.filters.http.ext_proc";
  private static final String RATE_LIMIT_FILTER = "envoy.filters.http.ratelimit";
  private static final Pattern IP_ADDRESS = Pattern.compile("^[0-9.]+$|^\\[?[0-9a-fA-F:]+\\]?$");
  private static final ConfigSource ADS =
      ConfigSource.newBuilder()
          .setAds(AggregatedConfigSource.getDefaultInstance())
          .setResourceApiVersion(ApiVersion.V3)
          .build();

  private final XdsSettings settings;

  /** Creates a translator for the given deployment settings. */
  public XdsTranslator(XdsSettings settings) {
    this.settings = settings;
  }

  /** Translates a model. */
  public XdsResources translate(GatewayModel model) {
    Map<String, Cluster> clusters = new TreeMap<>();
    clusters.put(
        XdsNames.PROCESSOR_CLUSTER,
        grpcCluster(
            XdsNames.PROCESSOR_CLUSTER, settings.processorHost(), settings.processorPort()));
    clusters.put(
        XdsNames.RATE_LIMIT_CLUSTER,
        grpcCluster(
            XdsNames.RATE_LIMIT_CLUSTER, settings.rateLimitHost(), settings.rateLimitPort()));
    VirtualHost.Builder host = VirtualHost.newBuilder().setName("tollgate").addDomains("*");
    for (GatewayModel.Route route : model.routes()) {
      boolean budgeted =
          model.quotas().stream()
              .anyMatch(q -> q.namespace().equals(route.namespace()) && q.appliesTo(route.name()));
      for (Rule rule : route.rules()) {
        RouteAction.Builder action = routeAction(model, route, rule, clusters);
        for (String requested : rule.models()) {
          io.envoyproxy.envoy.config.route.v3.Route.Builder entry =
              io.envoyproxy.envoy.config.route.v3.Route.newBuilder()
                  .setName(XdsNames.route(route, rule.index(), requested))
                  .setMatch(
                      RouteMatch.newBuilder()
                          .setPrefix("/v1/")
                          .addHeaders(exactHeader(Wire.NAMESPACE_HEADER, route.namespace()))
                          .addHeaders(exactHeader(Wire.MODEL_HEADER, requested)))
                  .setRoute(action)
                  .addAllRequestHeadersToRemove(Wire.CLIENT_CREDENTIAL_HEADERS)
                  .addResponseHeadersToAdd(SERVING_PROVIDER);
          if (budgeted) {
            entry.putTypedPerFilterConfig(
                RATE_LIMIT_FILTER, Any.pack(budgetActions(route, requested)));
          }
          host.addRoutes(entry);
        }
      }
    }
    host.addRoutes(
        io.envoyproxy.envoy.config.route.v3.Route.newBuilder()
            .setName("tollgate/no-model")
            .setMatch(RouteMatch.newBuilder().setPrefix("/"))
            .setDirectResponse(
                DirectResponseAction.newBuilder()
                    .setStatus(404)
                    .setBody(
                        io.envoyproxy.envoy.config.core.v3.DataSource.newBuilder()
                            .setInlineString(
                                LocalReplies.errorJson(
                                    "No route serves this model for your namespace; GET /v1/models"
                                        + " lists the models you may use.",
                                    "invalid_request_error",
                                    "model_not_found")))));
    RouteConfiguration routes =
        RouteConfiguration.newBuilder()
            .setName(XdsNames.ROUTE_CONFIG)
            .addVirtualHosts(host)
            .addAllResponseHeadersToRemove(List.of("x-envoy-upstream-service-time"))
            .build();
    List<Secret> secrets = new ArrayList<>();
    for (Provider provider : model.providers()) {
      if (provider.credential() != null) {
        String value = model.credentialValues().get(provider.credential().sdsSecretName());
        secrets.add(
            Secret.newBuilder()
                .setName(provider.credential().sdsSecretName())
                .setGenericSecret(
                    GenericSecret.newBuilder()
                        .setSecret(
                            io.envoyproxy.envoy.config.core.v3.DataSource.newBuilder()
                                .setInlineString(value)))
                .build());
      }
    }
    return new XdsResources(
        model.version(),
        List.of(listener()),
        List.of(routes),
        List.copyOf(clusters.values()),
        secrets);
  }

  // ------------------------------------------------------------------------------- listener

  private Listener listener() {
    HttpConnectionManager hcm =
        HttpConnectionManager.newBuilder()
            .setStatPrefix("tollgate")
            .setCodecType(HttpConnectionManager.CodecType.AUTO)
            .setRds(Rds.newBuilder().setConfigSource(ADS).setRouteConfigName(XdsNames.ROUTE_CONFIG))
            .setUseRemoteAddress(BoolValue.of(true))
            .setPreserveExternalRequestId(false)
            .setStreamIdleTimeout(Durations.fromSeconds(300))
            .setRequestTimeout(Durations.fromSeconds(0))
            .addEarlyHeaderMutationExtensions(
                typed(
                    "tollgate.strip_identity_headers",
                    io.envoyproxy.envoy.extensions.http.early_header_mutation.header_mutation.v3
                        .HeaderMutation.newBuilder()
                        .addAllMutations(
                            Wire.IDENTITY_HEADERS.stream()
                                .map(h -> HeaderMutation.newBuilder().setRemove(h).build())
                                .toList())
                        .build()))
            .addHttpFilters(httpFilter(EXT_PROC_FILTER, processorFilter()))
            .addHttpFilters(httpFilter(RATE_LIMIT_FILTER, rateLimitFilter()))
            .addHttpFilters(
                httpFilter(
                    "envoy.filters.http.router",
                    Router.newBuilder().setSuppressEnvoyHeaders(true).build()))
            .setLocalReplyConfig(LocalReplies.config())
            .addAccessLog(accessLog())
            .build();
    return Listener.newBuilder()
        .setName(XdsNames.LISTENER)
        // Above the processor's 1 MiB body limit, so that the processor, not Envoy's buffer,
        // answers an oversized body (with OpenAI's error shape and a metric).
        .setPerConnectionBufferLimitBytes(UInt32Value.of(2 * 1024 * 1024))
        .setAddress(socketAddress(settings.listenerAddress(), settings.listenerPort()))
        .addFilterChains(
            FilterChain.newBuilder()
                .addFilters(
                    Filter.newBuilder()
                        .setName("envoy.filters.network.http_connection_manager")
                        .setTypedConfig(Any.pack(hcm))))
        .build();
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

  private io.envoyproxy.envoy.extensions.filters.http.ratelimit.v3.RateLimit rateLimitFilter() {
    return io.envoyproxy.envoy.extensions.filters.http.ratelimit.v3.RateLimit.newBuilder()
        .setDomain(Wire.RATE_LIMIT_DOMAIN)
        .setRequestType("external")
        .setTimeout(Durations.fromMillis(RATE_LIMIT_TIMEOUT_MILLIS))
        .setFailureModeDeny(!settings.rateLimitFailOpen())
        .setRateLimitService(
            RateLimitServiceConfig.newBuilder()
                .setGrpcService(grpcService(XdsNames.RATE_LIMIT_CLUSTER, RATE_LIMIT_TIMEOUT_MILLIS))
                .setTransportApiVersion(ApiVersion.V3))
        .setStatusOnError(
            io.envoyproxy.envoy.type.v3.HttpStatus.newBuilder()
                .setCode(io.envoyproxy.envoy.type.v3.StatusCode.ServiceUnavailable))
        .build();
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
    format.put("namespace", "%DYNAMIC_METADATA(" + Wire.METADATA_NAMESPACE + ":namespace)%");
    format.put("client", "%DYNAMIC_METADATA(" + Wire.METADATA_NAMESPACE + ":client)%");
    format.put("model", "%DYNAMIC_METADATA(" + Wire.METADATA_NAMESPACE + ":model)%");
    format.put("upstream_cluster", "%UPSTREAM_CLUSTER%");
    format.put("duration_ms", "%DURATION%");
    format.put("upstream_ms", "%RESPONSE_DURATION%");
    var struct = com.google.protobuf.Struct.newBuilder();
    format.forEach(
        (k, v) ->
            struct.putFields(k, com.google.protobuf.Value.newBuilder().setStringValue(v).build()));
    return AccessLog.newBuilder()
        .setName("envoy.access_loggers.stdout")
        .setTypedConfig(
            Any.pack(
                StdoutAccessLog.newBuilder()
                    .setLogFormat(SubstitutionFormatString.newBuilder().setJsonFormat(struct))
                    .build()))
        .build();
  }

  // ------------------------------------------------------------------------------- routes

  private RouteAction.Builder routeAction(
      GatewayModel model, GatewayModel.Route route, Rule rule, Map<String, Cluster> clusters) {
    int firstPriority = rule.backends().get(0).priority();
    List<Backend> primaries =
        rule.backends().stream()
            .filter(b -> b.priority() == firstPriority && b.weight() > 0)
            .toList();
    List<Backend> fallbacks =
        rule.backends().stream().filter(b -> b.priority() != firstPriority).toList();
    for (Backend backend : rule.backends()) {
      Provider provider =
          model.provider(backend.providerNamespace(), backend.providerName()).orElseThrow();
      clusters.computeIfAbsent(
          XdsNames.providerCluster(backend),
          name -> providerCluster(name, provider, backend.model()));
    }
    List<String> targets = new ArrayList<>();
    for (int i = 0; i < primaries.size(); i++) {
      Backend primary = primaries.get(i);
      if (fallbacks.isEmpty()) {
        targets.add(XdsNames.providerCluster(primary));
        continue;
      }
      String name = XdsNames.fallbackCluster(route, rule.index(), rule.backends().indexOf(primary));
      List<Backend> chain = new ArrayList<>();
      chain.add(primary);
      for (Backend fallback : fallbacks) {
        if (chain.stream()
            .noneMatch(
                b -> XdsNames.providerCluster(b).equals(XdsNames.providerCluster(fallback)))) {
          chain.add(fallback);
        }
      }
      clusters.put(name, aggregateCluster(name, chain, model));
      targets.add(name);
    }
    RouteAction.Builder action =
        RouteAction.newBuilder()
            .setAutoHostRewrite(BoolValue.of(true))
            .setTimeout(Durations.fromMillis(rule.timeoutMillis()))
            .setPriority(RoutingPriority.DEFAULT);
    if (targets.size() == 1) {
      action.setCluster(targets.get(0));
    } else {
      WeightedCluster.Builder weighted = WeightedCluster.newBuilder();
      for (int i = 0; i < targets.size(); i++) {
        weighted.addClusters(
            WeightedCluster.ClusterWeight.newBuilder()
                .setName(targets.get(i))
                .setWeight(UInt32Value.of(primaries.get(i).weight())));
      }
      action.setWeightedClusters(weighted);
    }
    if (rule.retry().attempts() > 0 && !rule.retry().on().isEmpty()) {
      action.setRetryPolicy(retryPolicy(rule, !fallbacks.isEmpty()));
    }
    return action;
  }

  private static RetryPolicy retryPolicy(Rule rule, boolean hasFallbacks) {
    List<String> on = new ArrayList<>();
    RetryPolicy.Builder policy = RetryPolicy.newBuilder();
    for (RetryOn condition : rule.retry().on()) {
      switch (condition) {
        case ConnectFailure -> {
          on.add("connect-failure");
          on.add("reset");
        }
        case RateLimited -> {
          on.add("retriable-status-codes");
          policy.addRetriableStatusCodes(429);
        }
        case ServerError -> on.add("5xx");
      }
    }
    policy
        .setRetryOn(String.join(",", on))
        .setNumRetries(UInt32Value.of(rule.retry().attempts()))
        .setHostSelectionRetryMaxAttempts(3)
        .addRetryHostPredicate(
            RetryPolicy.RetryHostPredicate.newBuilder()
                .setName("envoy.retry_host_predicates.previous_hosts")
                .setTypedConfig(Any.pack(PreviousHostsPredicate.getDefaultInstance())));
    if (rule.retry().perTryTimeoutMillis() > 0) {
      policy.setPerTryTimeout(Durations.fromMillis(rule.retry().perTryTimeoutMillis()));
    }
    if (hasFallbacks) {
      policy.setRetryPriority(
          RetryPolicy.RetryPriority.newBuilder()
              .setName("envoy.retry_priorities.previous_priorities")
              .setTypedConfig(
                  Any.pack(PreviousPrioritiesConfig.newBuilder().setUpdateFrequency(1).build())));
    }
    return policy.build();
  }

  private static RateLimitPerRoute budgetActions(GatewayModel.Route route, String requested) {
    RateLimit reserve =
        RateLimit.newBuilder()
            .addActions(genericKey(Wire.PHASE, Wire.RESERVE))
            .addAllActions(identityActions(route, requested))
            .setHitsAddend(
                RateLimit.HitsAddend.newBuilder()
                    .setFormat(
                        "%DYNAMIC_METADATA("
                            + Wire.METADATA_NAMESPACE
                            + ":"
                            + Wire.RESERVE_TOKENS
                            + ")%"))
            .build();
    RateLimit commit =
        RateLimit.newBuilder()
            .addActions(genericKey(Wire.PHASE, Wire.COMMIT))
            .addAllActions(identityActions(route, requested))
            .addActions(usage(Wire.INPUT_TOKENS_KEY, Wire.INPUT_TOKENS, "0"))
            .addActions(usage(Wire.CACHED_INPUT_TOKENS_KEY, Wire.CACHED_INPUT_TOKENS, "0"))
            .addActions(usage(Wire.OUTPUT_TOKENS_KEY, Wire.OUTPUT_TOKENS, "0"))
            .addActions(usage(Wire.PROVIDER_KEY, Wire.PROVIDER, "none"))
            .setApplyOnStreamDone(true)
            .build();
    return RateLimitPerRoute.newBuilder()
        .setVhRateLimits(RateLimitPerRoute.VhRateLimitsOptions.IGNORE)
        .addRateLimits(reserve)
        .addRateLimits(commit)
        .build();
  }

  /**
   * Who is charged: the route's namespace and name and the requested model are fixed per route
   * entry; the client comes from the processor's metadata (without it Envoy sends no descriptor, as
   * with a missing header), because the identity headers are removed before the provider and would
   * be gone by the commit at stream end.
   */
  private static List<RateLimit.Action> identityActions(
      GatewayModel.Route route, String requested) {
    return List.of(
        genericKey(Wire.NAMESPACE_KEY, route.namespace()),
        genericKey(Wire.ROUTE_KEY, route.name()),
        usage(Wire.CLIENT_KEY, Wire.CLIENT_KEY, null),
        genericKey(Wire.MODEL_KEY, requested),
        requestHeader(Wire.REQUEST_ID_HEADER, Wire.REQUEST_ID_KEY));
  }

  private static RateLimit.Action genericKey(String key, String value) {
    return RateLimit.Action.newBuilder()
        .setGenericKey(
            RateLimit.Action.GenericKey.newBuilder()
                .setDescriptorKey(key)
                .setDescriptorValue(value))
        .build();
  }

  private static RateLimit.Action requestHeader(String header, String key) {
    return RateLimit.Action.newBuilder()
        .setRequestHeaders(
            RateLimit.Action.RequestHeaders.newBuilder()
                .setHeaderName(header)
                .setDescriptorKey(key))
        .build();
  }

  /**
   * A descriptor entry from the processor's dynamic metadata; with no fallback, a missing value
   * drops the descriptor (as a missing request header would).
   */
  private static RateLimit.Action usage(String key, String metadataKey, String fallback) {
    RateLimit.Action.MetaData.Builder metadata =
        RateLimit.Action.MetaData.newBuilder()
            .setDescriptorKey(key)
            .setMetadataKey(
                io.envoyproxy.envoy.type.metadata.v3.MetadataKey.newBuilder()
                    .setKey(Wire.METADATA_NAMESPACE)
                    .addPath(
                        io.envoyproxy.envoy.type.metadata.v3.MetadataKey.PathSegment.newBuilder()
                            .setKey(metadataKey)))
            .setSource(RateLimit.Action.MetaData.Source.DYNAMIC);
    if (fallback != null) {
      metadata.setDefaultValue(fallback);
    }
    return RateLimit.Action.newBuilder().setMetadata(metadata).build();
  }

  private static HeaderMatcher exactHeader(String name, String value) {
    return HeaderMatcher.newBuilder()
        .setName(name)
        .setStringMatch(StringMatcher.newBuilder().setExact(value))
        .build();
  }

  // ------------------------------------------------------------------------------- clusters

  private Cluster providerCluster(String name, Provider provider, String model) {
    var upstream = provider.upstream();
    boolean ip = IP_ADDRESS.matcher(upstream.host()).matches();
    UpstreamPath path = UpstreamPath.of(provider, model);
    String credential =
        provider.credential() == null ? NO_CREDENTIAL : provider.credential().sdsSecretName();
    Cluster.Builder cluster =
        Cluster.newBuilder()
            .setName(name)
            .setAltStatName(XdsNames.statName(name))
            .setType(ip ? Cluster.DiscoveryType.STATIC : Cluster.DiscoveryType.LOGICAL_DNS)
            .setDnsLookupFamily(Cluster.DnsLookupFamily.V4_PREFERRED)
            .setConnectTimeout(Durations.fromMillis(provider.connection().connectTimeoutMillis()))
            .setLoadAssignment(
                endpoint(
                    name,
                    upstream.host(),
                    upstream.port(),
                    Struct.newBuilder()
                        .putFields(META_UPSTREAM_MODEL, text(model))
                        .putFields(META_PATH_PREFIX, text(path.prefix()))
                        .putFields(META_PATH_STRIP, text(path.strip()))
                        .putFields(META_PATH_QUERY, text(path.query()))
                        .putFields(META_CREDENTIAL, text(credential))
                        .putFields(
                            META_PROVIDER, text(provider.namespace() + "/" + provider.name()))
                        .build()))
            .setCircuitBreakers(
                CircuitBreakers.newBuilder()
                    .addThresholds(
                        CircuitBreakers.Thresholds.newBuilder()
                            .setMaxRequests(
                                UInt32Value.of(provider.connection().maxConcurrentRequests()))
                            .setMaxPendingRequests(
                                UInt32Value.of(provider.connection().maxConcurrentRequests()))
                            .setMaxRetries(
                                UInt32Value.of(
                                    Math.max(
                                        3, provider.connection().maxConcurrentRequests() / 10)))));
    var outlier = provider.connection().outlierDetection();
    if (outlier != null) {
      cluster.setOutlierDetection(
          OutlierDetection.newBuilder()
              .setConsecutive5Xx(UInt32Value.of(outlier.consecutive5xx()))
              .setConsecutiveGatewayFailure(UInt32Value.of(outlier.consecutive5xx()))
              .setBaseEjectionTime(Durations.fromMillis(outlier.baseEjectionMillis()))
              .setMaxEjectionPercent(UInt32Value.of(outlier.maxEjectionPercent())));
    }
    if (upstream.tls()) {
      cluster.setTransportSocket(tlsTransport(upstream.host(), ip));
    }
    List<HeaderMutation> mutations = new ArrayList<>(REMOVED_BEFORE_THE_PROVIDER);
    mutations.add(set(Wire.UPSTREAM_MODEL_HEADER, literal(model)));
    if (!path.isIdentity()) {
      mutations.add(set(PATH_PREFIX_HEADER, literal(path.prefix())));
      mutations.add(set(PATH_STRIP_HEADER, literal(path.strip())));
      mutations.add(set(PATH_QUERY_HEADER, literal(path.query())));
    }
    List<HttpFilter> filters = new ArrayList<>();
    filters.add(headerMutation(mutations));
    if (!path.isIdentity()) {
      filters.add(pathFilter());
    }
    if (provider.credential() != null) {
      filters.add(
          httpFilter(
              "envoy.filters.http.credential_injector",
              credentialInjector(credential, provider.credential().header())));
    }
    cluster.putTypedExtensionProtocolOptions(
        "envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
        Any.pack(upstreamProtocol(filters)));
    return cluster.build();
  }

  /**
   * An aggregate cluster trying its members in order. Envoy runs only the aggregate's own upstream
   * filters, not the members', so this chain reads everything that differs per member (path,
   * upstream model, which credential) from the chosen endpoint's metadata.
   */
  private static Cluster aggregateCluster(String name, List<Backend> members, GatewayModel model) {
    List<HeaderMutation> mutations = new ArrayList<>(REMOVED_BEFORE_THE_PROVIDER);
    mutations.add(set(Wire.UPSTREAM_MODEL_HEADER, endpointMetadata(META_UPSTREAM_MODEL)));
    mutations.add(set(PATH_PREFIX_HEADER, endpointMetadata(META_PATH_PREFIX)));
    mutations.add(set(PATH_STRIP_HEADER, endpointMetadata(META_PATH_STRIP)));
    mutations.add(set(PATH_QUERY_HEADER, endpointMetadata(META_PATH_QUERY)));
    mutations.add(set(CREDENTIAL_HEADER, endpointMetadata(META_CREDENTIAL)));
    Map<String, String> credentialHeaders = new TreeMap<>();
    for (Backend member : members) {
      Provider provider =
          model.provider(member.providerNamespace(), member.providerName()).orElseThrow();
      if (provider.credential() != null) {
        credentialHeaders.put(
            provider.credential().sdsSecretName(), provider.credential().header());
      }
    }
    List<HttpFilter> filters = new ArrayList<>();
    filters.add(headerMutation(mutations));
    if (!credentialHeaders.isEmpty()) {
      Matcher.MatcherTree.MatchMap.Builder byCredential = Matcher.MatcherTree.MatchMap.newBuilder();
      credentialHeaders.forEach(
          (secret, header) ->
              byCredential.putMap(
                  secret,
                  Matcher.OnMatch.newBuilder()
                      .setAction(
                          com.github.xds.core.v3.TypedExtensionConfig.newBuilder()
                              .setName("inject " + secret)
                              .setTypedConfig(
                                  Any.pack(
                                      ExecuteFilterAction.newBuilder()
                                          .setTypedConfig(
                                              typed(
                                                  "envoy.filters.http.credential_injector",
                                                  credentialInjector(secret, header)))
                                          .build())))
                      .build()));
      filters.add(
          httpFilter(
              "tollgate.credential_by_endpoint",
              ExtensionWithMatcher.newBuilder()
                  .setExtensionConfig(typed("composite", Composite.getDefaultInstance()))
                  .setXdsMatcher(
                      Matcher.newBuilder()
                          .setMatcherTree(
                              Matcher.MatcherTree.newBuilder()
                                  .setInput(
                                      com.github.xds.core.v3.TypedExtensionConfig.newBuilder()
                                          .setName("credential")
                                          .setTypedConfig(
                                              Any.pack(
                                                  HttpRequestHeaderMatchInput.newBuilder()
                                                      .setHeaderName(CREDENTIAL_HEADER)
                                                      .build())))
                                  .setExactMatchMap(byCredential)))
                  .build()));
    }
    filters.add(pathFilter());
    return Cluster.newBuilder()
        .setName(name)
        .setAltStatName(XdsNames.statName(name))
        .setConnectTimeout(Durations.fromSeconds(5))
        .setLbPolicy(Cluster.LbPolicy.CLUSTER_PROVIDED)
        .setClusterType(
            Cluster.CustomClusterType.newBuilder()
                .setName("envoy.clusters.aggregate")
                .setTypedConfig(
                    Any.pack(
                        ClusterConfig.newBuilder()
                            .addAllClusters(
                                members.stream().map(XdsNames::providerCluster).toList())
                            .build())))
        .putTypedExtensionProtocolOptions(
            "envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
            Any.pack(upstreamProtocol(filters)))
        .build();
  }

  private static HttpProtocolOptions upstreamProtocol(List<HttpFilter> filters) {
    return HttpProtocolOptions.newBuilder()
        .setExplicitHttpConfig(
            HttpProtocolOptions.ExplicitHttpConfig.newBuilder()
                .setHttpProtocolOptions(Http1ProtocolOptions.getDefaultInstance()))
        .setCommonHttpProtocolOptions(
            io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions.newBuilder()
                .setIdleTimeout(Durations.fromSeconds(60)))
        .addAllHttpFilters(filters)
        .addHttpFilters(
            httpFilter("envoy.filters.http.upstream_codec", UpstreamCodec.getDefaultInstance()))
        .build();
  }

  private TransportSocket tlsTransport(String host, boolean ip) {
    SubjectAltNameMatcher san =
        SubjectAltNameMatcher.newBuilder()
            .setSanType(
                ip ? SubjectAltNameMatcher.SanType.IP_ADDRESS : SubjectAltNameMatcher.SanType.DNS)
            .setMatcher(StringMatcher.newBuilder().setExact(host))
            .build();
    UpstreamTlsContext.Builder tls =
        UpstreamTlsContext.newBuilder()
            .setCommonTlsContext(
                CommonTlsContext.newBuilder()
                    .addAlpnProtocols("http/1.1")
                    .setValidationContext(
                        CertificateValidationContext.newBuilder()
                            .setTrustedCa(
                                io.envoyproxy.envoy.config.core.v3.DataSource.newBuilder()
                                    .setFilename(settings.caBundlePath()))
                            .addMatchTypedSubjectAltNames(san)));
    if (!ip) {
      tls.setSni(host);
    }
    return TransportSocket.newBuilder()
        .setName("envoy.transport_sockets.tls")
        .setTypedConfig(Any.pack(tls.build()))
        .build();
  }

  private static CredentialInjector credentialInjector(String secret, String header) {
    return CredentialInjector.newBuilder()
        .setOverwrite(true)
        .setCredential(
            typed(
                "envoy.http.injected_credentials.generic",
                Generic.newBuilder()
                    .setCredential(SdsSecretConfig.newBuilder().setName(secret).setSdsConfig(ADS))
                    .setHeader(header)
                    .build()))
        .build();
  }

  /**
   * What a provider must not see: the client's credentials, and the identity headers the processor
   * set for routing (namespace, client, requested model), which name the caller.
   */
  private static final List<HeaderMutation> REMOVED_BEFORE_THE_PROVIDER =
      java.util.stream.Stream.concat(
              Wire.CLIENT_CREDENTIAL_HEADERS.stream(),
              java.util.stream.Stream.of(
                  Wire.NAMESPACE_HEADER, Wire.CLIENT_HEADER, Wire.MODEL_HEADER))
          .map(h -> HeaderMutation.newBuilder().setRemove(h).build())
          .toList();

  private static HttpFilter headerMutation(List<HeaderMutation> mutations) {
    return httpFilter(
        "tollgate.upstream_headers",
        io.envoyproxy.envoy.extensions.filters.http.header_mutation.v3.HeaderMutation.newBuilder()
            .setMutations(Mutations.newBuilder().addAllRequestMutations(mutations))
            .build());
  }

  private static HttpFilter pathFilter() {
    return httpFilter(
        "tollgate.upstream_path",
        Lua.newBuilder()
            .setDefaultSourceCode(
                io.envoyproxy.envoy.config.core.v3.DataSource.newBuilder()
                    .setInlineString(UpstreamPath.LUA))
            .build());
  }

  private static String endpointMetadata(String key) {
    return "%UPSTREAM_METADATA(" + Wire.METADATA_NAMESPACE + ":" + key + ")%";
  }

  private static String literal(String value) {
    return value.replace("%", "%%");
  }

  private static com.google.protobuf.Value text(String value) {
    return com.google.protobuf.Value.newBuilder().setStringValue(value).build();
  }

  private static HeaderMutation set(String header, String value) {
    return HeaderMutation.newBuilder()
        .setAppend(
            HeaderValueOption.newBuilder()
                .setHeader(HeaderValue.newBuilder().setKey(header).setValue(value))
                .setAppendAction(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD))
        .build();
  }

  /**
   * Concurrent streams Envoy may open to the processor or the rate-limit service. Envoy's default
   * of 1,024 would refuse (503, "overflow") the 1,025th model request in flight: every request
   * holds one ext_proc stream for as long as its response lasts, minutes for a long stream. The
   * services' own capacity, not a breaker, should bound them.
   */
  static final int GRPC_SERVICE_MAX_REQUESTS = 100_000;

  private static Cluster grpcCluster(String name, String host, int port) {
    boolean ip = IP_ADDRESS.matcher(host).matches();
    return Cluster.newBuilder()
        .setName(name)
        .setAltStatName(XdsNames.statName(name))
        .setType(ip ? Cluster.DiscoveryType.STATIC : Cluster.DiscoveryType.STRICT_DNS)
        .setConnectTimeout(Durations.fromSeconds(1))
        .setLoadAssignment(endpoint(name, host, port))
        .setCircuitBreakers(
            CircuitBreakers.newBuilder()
                .addThresholds(
                    CircuitBreakers.Thresholds.newBuilder()
                        .setMaxRequests(UInt32Value.of(GRPC_SERVICE_MAX_REQUESTS))
                        .setMaxPendingRequests(UInt32Value.of(GRPC_SERVICE_MAX_REQUESTS))))
        .putTypedExtensionProtocolOptions(
            "envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
            Any.pack(
                HttpProtocolOptions.newBuilder()
                    .setExplicitHttpConfig(
                        HttpProtocolOptions.ExplicitHttpConfig.newBuilder()
                            .setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance()))
                    .build()))
        .build();
  }

  private static ClusterLoadAssignment endpoint(String cluster, String host, int port) {
    return endpoint(cluster, host, port, null);
  }

  private static ClusterLoadAssignment endpoint(
      String cluster, String host, int port, Struct metadata) {
    LbEndpoint.Builder lbEndpoint =
        LbEndpoint.newBuilder()
            .setEndpoint(
                Endpoint.newBuilder().setAddress(socketAddress(host, port)).setHostname(host));
    if (metadata != null) {
      lbEndpoint.setMetadata(
          Metadata.newBuilder().putFilterMetadata(Wire.METADATA_NAMESPACE, metadata));
    }
    return ClusterLoadAssignment.newBuilder()
        .setClusterName(cluster)
        .addEndpoints(LocalityLbEndpoints.newBuilder().addLbEndpoints(lbEndpoint))
        .build();
  }

  // ------------------------------------------------------------------------------- helpers

  private static Address socketAddress(String host, int port) {
    return Address.newBuilder()
        .setSocketAddress(SocketAddress.newBuilder().setAddress(host).setPortValue(port))
        .build();
  }

  private static GrpcService grpcService(String cluster, long timeoutMillis) {
    Duration timeout = Durations.fromMillis(timeoutMillis);
    return GrpcService.newBuilder()
        .setEnvoyGrpc(GrpcService.EnvoyGrpc.newBuilder().setClusterName(cluster))
        .setTimeout(timeout)
        .build();
  }

  private static HttpFilter httpFilter(String name, Message config) {
    return HttpFilter.newBuilder().setName(name).setTypedConfig(Any.pack(config)).build();
  }

  private static TypedExtensionConfig typed(String name, Message config) {
    return TypedExtensionConfig.newBuilder().setName(name).setTypedConfig(Any.pack(config)).build();
  }
}
