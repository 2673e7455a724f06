package dev.tollgate.xds;

import static dev.tollgate.xds.UpstreamFilters.endpointMetadata;
import static dev.tollgate.xds.UpstreamFilters.literal;
import static dev.tollgate.xds.UpstreamFilters.set;
import static dev.tollgate.xds.XdsProtos.text;

import com.google.protobuf.Any;
import com.google.protobuf.Struct;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.util.Durations;
import dev.tollgate.model.GatewayModel;
import dev.tollgate.model.GatewayModel.Backend;
import dev.tollgate.model.GatewayModel.Provider;
import dev.tollgate.model.GatewayModel.Route;
import dev.tollgate.model.GatewayModel.Rule;
import dev.tollgate.model.Wire;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.common.mutation_rules.v3.HeaderMutation;
import io.envoyproxy.envoy.config.core.v3.DnsResolverOptions;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.extensions.clusters.aggregate.v3.ClusterConfig;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.network.dns_resolver.cares.v3.CaresDnsResolverConfig;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Translates the clusters: one per (provider, upstream model) with its endpoint, breakers, outlier
 * detection, TLS and upstream filters; one aggregate per fallback chain (a rule's primary backend,
 * then its fallbacks), shared by every rule with the same chain; and the gRPC clusters of the
 * processor and the rate-limit service.
 */
final class ClusterTranslator {
  /**
   * Concurrent streams Envoy may open to the processor or the rate-limit service. Envoy's default
   * of 1,024 would refuse (503, "overflow") the 1,025th model request in flight: every request
   * holds one ext_proc stream for as long as its response lasts, minutes for a long stream. The
   * services' own capacity, not a breaker, should bound them.
   */
  static final int GRPC_SERVICE_MAX_REQUESTS = 100_000;

  private static final String NO_CREDENTIAL = "none";
  private static final String META_UPSTREAM_MODEL = "upstream_model";
  private static final String META_PATH_PREFIX = "path_prefix";
  private static final String META_PATH_STRIP = "path_strip";
  private static final String META_PATH_QUERY = "path_query";
  private static final String META_PATH_RESPONSES = "path_responses";
  private static final String META_CREDENTIAL = "credential";

  /** Endpoint metadata key: the provider, as namespace/name; routes echo it to the processor. */
  static final String META_PROVIDER = "provider";

  private final XdsSettings settings;

  /**
   * The clusters of the model last translated whose attempts choose their model or are translated.
   * Both are scans of every rule; computed once per model, not once per rule (which made
   * translation quadratic in the routes: 90% of an edit's CPU at 1,000 routes).
   */
  private record AttemptClusters(
      GatewayModel model, Set<String> perAttempt, Set<String> translating) {}

  private final java.util.concurrent.atomic.AtomicReference<AttemptClusters> attemptClusters =
      new java.util.concurrent.atomic.AtomicReference<>();

  ClusterTranslator(XdsSettings settings) {
    this.settings = settings;
  }

  /**
   * The clusters a rule's route action sends to, one per primary backend (same first priority,
   * weight above 0), in backend order.
   *
   * @param names the cluster names: the provider cluster, or the aggregate with the fallbacks
   * @param primaries the primary backends, whose weights split the traffic
   * @param hasFallbacks whether the rule has backends of a later priority
   */
  record RuleTargets(List<String> names, List<Backend> primaries, boolean hasFallbacks) {}

  /** Adds the clusters a rule needs to {@code clusters} and returns what its route sends to. */
  RuleTargets ruleTargets(GatewayModel model, Rule rule, Map<String, Cluster> clusters) {
    int firstPriority = rule.backends().get(0).priority();
    List<Backend> primaries =
        rule.backends().stream()
            .filter(b -> b.priority() == firstPriority && b.weight() > 0)
            .toList();
    List<Backend> fallbacks =
        rule.backends().stream().filter(b -> b.priority() != firstPriority).toList();
    AttemptClusters attempts = attemptClusters.get();
    if (attempts == null || attempts.model() != model) {
      attempts =
          new AttemptClusters(
              model, modelPerAttemptClusters(model), AttemptTranslation.translatingClusters(model));
      attemptClusters.set(attempts);
    }
    Set<String> perAttempt = attempts.perAttempt();
    Set<String> translating = attempts.translating();
    for (Backend backend : rule.backends()) {
      Provider provider =
          model.provider(backend.providerNamespace(), backend.providerName()).orElseThrow();
      clusters.computeIfAbsent(
          XdsNames.providerCluster(backend),
          name ->
              providerCluster(
                  name,
                  provider,
                  backend.model(),
                  perAttempt.contains(name) || UpstreamPath.namesDeploymentInBody(provider),
                  translating.contains(name)));
    }
    List<String> targets = new ArrayList<>();
    for (Backend primary : primaries) {
      if (fallbacks.isEmpty()) {
        targets.add(XdsNames.providerCluster(primary));
        continue;
      }
      List<Backend> chain = new ArrayList<>();
      chain.add(primary);
      for (Backend fallback : fallbacks) {
        if (chain.stream()
            .noneMatch(
                b -> XdsNames.providerCluster(b).equals(XdsNames.providerCluster(fallback)))) {
          chain.add(fallback);
        }
      }
      boolean modelPerAttempt =
          rule.upstreamModelPerAttempt() || namesDeploymentInBody(model, chain);
      boolean translated = AttemptTranslation.mixed(model, rule);
      String name = XdsNames.fallbackCluster(chain, modelPerAttempt, translated);
      clusters.computeIfAbsent(
          name, n -> aggregateCluster(n, chain, model, modelPerAttempt, translated));
      targets.add(name);
    }
    return new RuleTargets(targets, primaries, !fallbacks.isEmpty());
  }

  /**
   * A cluster of a gRPC service Envoy calls: HTTP/2, breakers sized for every stream, mutual TLS
   * unless {@code tls} is null.
   */
  static Cluster grpcCluster(String name, String host, int port, ServiceTls tls) {
    boolean ip = XdsProtos.isIpAddress(host);
    Cluster.Builder cluster =
        Cluster.newBuilder()
            .setName(name)
            .setAltStatName(XdsNames.statName(name))
            .setType(ip ? Cluster.DiscoveryType.STATIC : Cluster.DiscoveryType.STRICT_DNS)
            .setConnectTimeout(Durations.fromSeconds(1))
            .setLoadAssignment(endpoint(name, host, port, null))
            .setCircuitBreakers(
                CircuitBreakers.newBuilder()
                    .addThresholds(
                        CircuitBreakers.Thresholds.newBuilder()
                            .setMaxRequests(UInt32Value.of(GRPC_SERVICE_MAX_REQUESTS))
                            .setMaxPendingRequests(UInt32Value.of(GRPC_SERVICE_MAX_REQUESTS))))
            .putTypedExtensionProtocolOptions(
                XdsProtos.HTTP_PROTOCOL_OPTIONS, Any.pack(XdsProtos.HTTP2));
    if (tls != null) {
      cluster.setTransportSocket(tls.transportSocket(host));
    }
    return cluster.build();
  }

  /** Envoy's c-ares resolver without the system's search domains. */
  static final TypedExtensionConfig NO_SEARCH_DOMAINS =
      TypedExtensionConfig.newBuilder()
          .setName("envoy.network.dns_resolver.cares")
          .setTypedConfig(
              Any.pack(
                  CaresDnsResolverConfig.newBuilder()
                      .setDnsResolverOptions(
                          DnsResolverOptions.newBuilder().setNoDefaultSearchDomain(true))
                      .build()))
          .build();

  /**
   * The provider clusters some rule of which sends different upstream models: they carry the
   * upstream model filter; clusters only ever used with one model per rule stay free of it.
   */
  private static Set<String> modelPerAttemptClusters(GatewayModel model) {
    Set<String> names = new HashSet<>();
    for (Route route : model.routes()) {
      for (Rule rule : route.rules()) {
        if (rule.upstreamModelPerAttempt()) {
          rule.backends().forEach(b -> names.add(XdsNames.providerCluster(b)));
        }
      }
    }
    return names;
  }

  /** Whether some member of a fallback chain takes an Azure deployment as the body's model. */
  private static boolean namesDeploymentInBody(GatewayModel model, List<Backend> chain) {
    return chain.stream()
        .map(b -> model.provider(b.providerNamespace(), b.providerName()).orElseThrow())
        .anyMatch(UpstreamPath::namesDeploymentInBody);
  }

  private Cluster providerCluster(
      String name, Provider provider, String model, boolean modelPerAttempt, boolean translating) {
    var upstream = provider.upstream();
    boolean ip = XdsProtos.isIpAddress(upstream.host());
    UpstreamPath path = UpstreamPath.of(provider, model);
    String credential =
        provider.credential() == null ? NO_CREDENTIAL : ProviderCredentials.sdsSecretName(provider);
    Struct.Builder metadata =
        Struct.newBuilder()
            .putFields(META_UPSTREAM_MODEL, text(UpstreamPath.bodyModel(provider, model)))
            .putFields(META_PATH_PREFIX, text(path.prefix()))
            .putFields(META_PATH_STRIP, text(path.strip()))
            .putFields(META_PATH_QUERY, text(path.query()))
            .putFields(META_PATH_RESPONSES, text(path.responses()))
            .putFields(META_CREDENTIAL, text(credential))
            .putFields(META_PROVIDER, text(provider.namespace() + "/" + provider.name()));
    if (provider.anthropic() != null) {
      metadata.putFields(AnthropicHeaders.META_VERSION, text(provider.anthropic().version()));
    }
    if (translating) {
      metadata.putFields(AttemptTranslation.META_API, text(AttemptTranslation.api(provider)));
    }
    Cluster.Builder cluster =
        Cluster.newBuilder()
            .setName(name)
            .setAltStatName(XdsNames.statName(name))
            .setType(ip ? Cluster.DiscoveryType.STATIC : Cluster.DiscoveryType.LOGICAL_DNS)
            .setDnsLookupFamily(Cluster.DnsLookupFamily.V4_PREFERRED)
            .setConnectTimeout(Durations.fromMillis(provider.connection().connectTimeoutMillis()))
            .setLoadAssignment(endpoint(name, upstream.host(), upstream.port(), metadata.build()))
            .setCircuitBreakers(breakers(provider.connection().maxConcurrentRequests()));
    if (!ip) {
      // The name is looked up as written: the Pod's search domains would turn a provider's
      // "vault.vault" into the in-cluster vault.vault.svc.cluster.local.
      cluster.setTypedDnsResolverConfig(NO_SEARCH_DOMAINS);
    }
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
      cluster.setTransportSocket(
          UpstreamTls.transportSocket(upstream.host(), ip, settings.caBundlePath()));
    }
    List<HeaderMutation> mutations = new ArrayList<>(AnthropicHeaders.edits(List.of(provider)));
    namedKeyHeaderRemoval(provider).ifPresent(mutations::add);
    // Read only by the model filter and the attempt translator, and removed after them.
    boolean upstreamModelHeader = modelPerAttempt || translating;
    if (upstreamModelHeader) {
      mutations.add(
          set(Wire.UPSTREAM_MODEL_HEADER, literal(UpstreamPath.bodyModel(provider, model))));
    }
    if (modelPerAttempt) {
      mutations.add(UpstreamFilters.modelSpan());
    }
    if (translating) {
      mutations.add(AttemptTranslation.translationHeader(AttemptTranslation.api(provider)));
    }
    if (!path.isIdentity()) {
      mutations.add(set(Wire.PATH_PREFIX_HEADER, literal(path.prefix())));
      mutations.add(set(Wire.PATH_STRIP_HEADER, literal(path.strip())));
      mutations.add(set(Wire.PATH_QUERY_HEADER, literal(path.query())));
      mutations.add(set(Wire.PATH_RESPONSES_HEADER, literal(path.responses())));
    }
    List<HttpFilter> filters = new ArrayList<>();
    filters.add(UpstreamFilters.headerMutation(mutations));
    if (!path.isIdentity()) {
      filters.add(UpstreamFilters.pathFilter());
    }
    if (modelPerAttempt) {
      filters.add(UpstreamFilters.modelFilter());
    }
    if (translating) {
      filters.add(
          AttemptTranslation.filter(
              settings.processorTimeoutMillis(), List.of(ProviderCredentials.header(provider))));
    }
    if (provider.credential() != null) {
      filters.add(
          UpstreamFilters.credentialInjectorFilter(
              credential, ProviderCredentials.header(provider)));
    }
    if (upstreamModelHeader) {
      filters.add(UpstreamFilters.internalHeaderRemoval());
    }
    cluster.putTypedExtensionProtocolOptions(
        XdsProtos.HTTP_PROTOCOL_OPTIONS, Any.pack(UpstreamFilters.upstreamProtocol(filters)));
    return cluster.build();
  }

  /**
   * The removal of the header an OpenAICompatible provider names for its key: a client's value in
   * it must not reach the provider, whether or not a platform key replaces it.
   */
  private static Optional<HeaderMutation> namedKeyHeaderRemoval(Provider provider) {
    String header = ProviderCredentials.header(provider).toLowerCase(Locale.ROOT);
    if (Wire.CLIENT_CREDENTIAL_HEADERS.contains(header)) {
      return Optional.empty();
    }
    return Optional.of(HeaderMutation.newBuilder().setRemove(header).build());
  }

  private static CircuitBreakers breakers(int maxConcurrentRequests) {
    return CircuitBreakers.newBuilder()
        .addThresholds(
            CircuitBreakers.Thresholds.newBuilder()
                .setMaxRequests(UInt32Value.of(maxConcurrentRequests))
                .setMaxPendingRequests(UInt32Value.of(maxConcurrentRequests))
                .setMaxRetries(UInt32Value.of(Math.max(3, maxConcurrentRequests / 10))))
        .build();
  }

  /**
   * An aggregate cluster trying its members in order. Envoy runs only the aggregate's own upstream
   * filters, not the members', so this chain reads everything that differs per member (path,
   * upstream model, which credential) from the chosen endpoint's metadata.
   */
  private Cluster aggregateCluster(
      String name,
      List<Backend> members,
      GatewayModel model,
      boolean modelPerAttempt,
      boolean translating) {
    List<HeaderMutation> mutations =
        new ArrayList<>(
            AnthropicHeaders.edits(
                members.stream()
                    .map(m -> model.provider(m.providerNamespace(), m.providerName()).orElseThrow())
                    .toList()));
    boolean upstreamModelHeader = modelPerAttempt || translating;
    if (upstreamModelHeader) {
      mutations.add(set(Wire.UPSTREAM_MODEL_HEADER, endpointMetadata(META_UPSTREAM_MODEL)));
    }
    if (modelPerAttempt) {
      mutations.add(UpstreamFilters.modelSpan());
    }
    mutations.add(set(Wire.PATH_PREFIX_HEADER, endpointMetadata(META_PATH_PREFIX)));
    mutations.add(set(Wire.PATH_STRIP_HEADER, endpointMetadata(META_PATH_STRIP)));
    mutations.add(set(Wire.PATH_QUERY_HEADER, endpointMetadata(META_PATH_QUERY)));
    mutations.add(set(Wire.PATH_RESPONSES_HEADER, endpointMetadata(META_PATH_RESPONSES)));
    mutations.add(set(Wire.CREDENTIAL_HEADER, endpointMetadata(META_CREDENTIAL)));
    if (translating) {
      mutations.add(AttemptTranslation.translationHeaderByEndpoint());
    }
    Map<String, String> credentialHeaders = new TreeMap<>();
    for (Backend member : members) {
      Provider provider =
          model.provider(member.providerNamespace(), member.providerName()).orElseThrow();
      namedKeyHeaderRemoval(provider).filter(h -> !mutations.contains(h)).ifPresent(mutations::add);
      if (provider.credential() != null) {
        credentialHeaders.put(
            ProviderCredentials.sdsSecretName(provider), ProviderCredentials.header(provider));
      }
    }
    List<HttpFilter> filters = new ArrayList<>();
    filters.add(UpstreamFilters.headerMutation(mutations));
    // Before the Lua filters: after them the composite no longer injects (verified on Envoy 1.40,
    // every attempt then got 401), so the attempt translator, which needs their path and model,
    // comes after the key and is told not to forward it.
    if (!credentialHeaders.isEmpty()) {
      filters.add(UpstreamFilters.credentialByEndpoint(credentialHeaders, Wire.CREDENTIAL_HEADER));
    }
    filters.add(UpstreamFilters.pathFilter());
    if (modelPerAttempt) {
      filters.add(UpstreamFilters.modelFilter());
    }
    if (translating) {
      filters.add(
          AttemptTranslation.filter(settings.processorTimeoutMillis(), credentialHeaders.values()));
    }
    if (upstreamModelHeader) {
      filters.add(UpstreamFilters.internalHeaderRemoval());
    }
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
            XdsProtos.HTTP_PROTOCOL_OPTIONS, Any.pack(UpstreamFilters.upstreamProtocol(filters)))
        .build();
  }

  private static ClusterLoadAssignment endpoint(
      String cluster, String host, int port, Struct metadata) {
    LbEndpoint.Builder lbEndpoint =
        LbEndpoint.newBuilder()
            .setEndpoint(
                Endpoint.newBuilder()
                    .setAddress(XdsProtos.socketAddress(host, port))
                    .setHostname(host));
    if (metadata != null) {
      lbEndpoint.setMetadata(
          Metadata.newBuilder().putFilterMetadata(Wire.METADATA_NAMESPACE, metadata));
    }
    return ClusterLoadAssignment.newBuilder()
        .setClusterName(cluster)
        .addEndpoints(LocalityLbEndpoints.newBuilder().addLbEndpoints(lbEndpoint))
        .build();
  }
}
