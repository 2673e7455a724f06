package dev.tollgate.xds;

import static dev.tollgate.xds.XdsProtos.typed;

import com.google.protobuf.util.Durations;
import dev.tollgate.api.v1alpha1.ProviderType;
import dev.tollgate.model.GatewayModel;
import dev.tollgate.model.GatewayModel.Provider;
import dev.tollgate.model.Wire;
import io.envoyproxy.envoy.config.common.mutation_rules.v3.HeaderMutation;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.extensions.filters.http.composite.v3.ExecuteFilterAction;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.HeaderForwardingRules;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.type.matcher.v3.ListStringMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Per-attempt API translation for rules whose backends speak both APIs (OpenAI-shaped and Anthropic
 * providers): the clusters such a rule uses (its provider clusters and its fallback aggregates) set
 * {@link Wire#TRANSLATION_HEADER} per attempt to {@code <client API>-to-<backend API>} (the
 * client's API from the processor's metadata {@link Wire#CLIENT_API}, the backend's from the
 * cluster or the chosen endpoint's metadata {@code api}), and a composite filter runs the processor
 * as an upstream ext_proc filter only when the two differ. That filter sends only the request
 * headers and the buffered body, and nothing of the response, which the client's own ext_proc
 * stream translates back after reading its usage. Clusters no mixed rule uses have none of this; on
 * a translating cluster, an attempt to a backend of the client's own API passes the composite
 * filter without a call.
 */
final class AttemptTranslation {
  /** Endpoint metadata key: the API the provider speaks ({@link #api}). */
  static final String META_API = "api";

  private AttemptTranslation() {}

  /** The API a provider speaks, as {@link Wire#TRANSLATION_HEADER} names it. */
  static String api(Provider provider) {
    return provider.type() == ProviderType.Anthropic ? Wire.API_ANTHROPIC : Wire.API_OPENAI;
  }

  /** The provider clusters some rule of which has backends of both APIs: they translate. */
  static Set<String> translatingClusters(GatewayModel model) {
    Set<String> names = new HashSet<>();
    for (GatewayModel.Route route : model.routes()) {
      for (GatewayModel.Rule rule : route.rules()) {
        if (mixed(model, rule)) {
          rule.backends().forEach(b -> names.add(XdsNames.providerCluster(b)));
        }
      }
    }
    return names;
  }

  /** Whether a rule's backends speak both APIs. */
  static boolean mixed(GatewayModel model, GatewayModel.Rule rule) {
    Set<String> apis = new HashSet<>();
    for (GatewayModel.Backend b : rule.backends()) {
      model.provider(b.providerNamespace(), b.providerName()).ifPresent(p -> apis.add(api(p)));
    }
    return apis.size() > 1;
  }

  /**
   * The header edit naming the attempt's translation.
   *
   * @param backendApi the cluster's API, or a formatter reading the chosen endpoint's
   */
  static HeaderMutation translationHeader(String backendApi) {
    return UpstreamFilters.set(
        Wire.TRANSLATION_HEADER,
        UpstreamFilters.requestMetadata(Wire.CLIENT_API) + "-to-" + backendApi);
  }

  /** The header edit of an aggregate: the chosen endpoint's API. */
  static HeaderMutation translationHeaderByEndpoint() {
    return translationHeader(UpstreamFilters.endpointMetadata(META_API));
  }

  /**
   * The composite filter that runs the processor for attempts whose {@link Wire#TRANSLATION_HEADER}
   * is one of the two translations, and nothing for any other.
   */
  static HttpFilter filter(long timeoutMillis, Collection<String> keyHeaders) {
    ExecuteFilterAction runProcessor =
        ExecuteFilterAction.newBuilder()
            .setTypedConfig(
                typed("envoy.filters.http.ext_proc", processor(timeoutMillis, keyHeaders)))
            .build();
    Map<String, ExecuteFilterAction> actions = new LinkedHashMap<>();
    for (String translation : List.of(Wire.ANTHROPIC_TO_OPENAI, Wire.OPENAI_TO_ANTHROPIC)) {
      actions.put(translation, runProcessor);
    }
    return UpstreamFilters.compositeByHeader(
        "tollgate.attempt_translation",
        "translation",
        "translate ",
        Wire.TRANSLATION_HEADER,
        actions);
  }

  private static ExternalProcessor processor(long timeoutMillis, Collection<String> keyHeaders) {
    // The processor needs none of the credential headers: the provider's key (injected before
    // this filter in an aggregate) and the client's (already removed) are never sent to it.
    ListStringMatcher.Builder keys = ListStringMatcher.newBuilder();
    new TreeSet<>(
            Stream.concat(Wire.CLIENT_CREDENTIAL_HEADERS.stream(), keyHeaders.stream())
                .map(h -> h.toLowerCase(Locale.ROOT))
                .toList())
        .forEach(h -> keys.addPatterns(StringMatcher.newBuilder().setExact(h)));
    GrpcService service =
        XdsProtos.grpcService(XdsNames.PROCESSOR_CLUSTER, timeoutMillis).toBuilder()
            .addInitialMetadata(
                HeaderValue.newBuilder().setKey(Wire.STAGE_METADATA).setValue(Wire.STAGE_ATTEMPT))
            .build();
    return ExternalProcessor.newBuilder()
        .setGrpcService(service)
        .setFailureModeAllow(false)
        .setProcessingMode(
            ProcessingMode.newBuilder()
                .setRequestHeaderMode(ProcessingMode.HeaderSendMode.SEND)
                .setRequestBodyMode(ProcessingMode.BodySendMode.BUFFERED)
                .setRequestTrailerMode(ProcessingMode.HeaderSendMode.SKIP)
                .setResponseHeaderMode(ProcessingMode.HeaderSendMode.SKIP)
                .setResponseBodyMode(ProcessingMode.BodySendMode.NONE)
                .setResponseTrailerMode(ProcessingMode.HeaderSendMode.SKIP))
        .setMessageTimeout(Durations.fromMillis(timeoutMillis))
        .setForwardRules(HeaderForwardingRules.newBuilder().setDisallowedHeaders(keys))
        .build();
  }
}
