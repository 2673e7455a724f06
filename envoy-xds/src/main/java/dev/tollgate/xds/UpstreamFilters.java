package dev.tollgate.xds;

import static dev.tollgate.xds.XdsProtos.httpFilter;
import static dev.tollgate.xds.XdsProtos.typed;

import com.github.xds.type.matcher.v3.Matcher;
import com.google.protobuf.Any;
import com.google.protobuf.util.Durations;
import dev.tollgate.model.Wire;
import io.envoyproxy.envoy.config.common.mutation_rules.v3.HeaderMutation;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.Http1ProtocolOptions;
import io.envoyproxy.envoy.extensions.common.matching.v3.ExtensionWithMatcher;
import io.envoyproxy.envoy.extensions.filters.http.composite.v3.Composite;
import io.envoyproxy.envoy.extensions.filters.http.composite.v3.ExecuteFilterAction;
import io.envoyproxy.envoy.extensions.filters.http.credential_injector.v3.CredentialInjector;
import io.envoyproxy.envoy.extensions.filters.http.header_mutation.v3.Mutations;
import io.envoyproxy.envoy.extensions.filters.http.lua.v3.Lua;
import io.envoyproxy.envoy.extensions.filters.http.upstream_codec.v3.UpstreamCodec;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.http.injected_credentials.generic.v3.Generic;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.type.matcher.v3.HttpRequestHeaderMatchInput;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The upstream HTTP filters of provider clusters: header edits on the way to the provider, the Lua
 * path rewrite and the credential injectors that add a provider key from its SDS secret.
 */
final class UpstreamFilters {
  /**
   * What a provider must not see: the client's credentials, the client's choice of provider-side
   * account or features, and the identity headers the processor set for routing (namespace, client,
   * requested model), which name the caller.
   */
  static final List<HeaderMutation> REMOVED_BEFORE_THE_PROVIDER =
      Stream.of(
              Wire.CLIENT_CREDENTIAL_HEADERS.stream(),
              Wire.PROVIDER_SELECTING_HEADERS.stream(),
              Stream.of(Wire.NAMESPACE_HEADER, Wire.CLIENT_HEADER, Wire.MODEL_HEADER))
          .flatMap(s -> s)
          .map(h -> HeaderMutation.newBuilder().setRemove(h).build())
          .toList();

  private static final String CREDENTIAL_INJECTOR = "envoy.filters.http.credential_injector";

  private UpstreamFilters() {}

  /** Returns a cluster's upstream protocol: HTTP/1.1 through the filters, then the codec. */
  static HttpProtocolOptions upstreamProtocol(List<HttpFilter> filters) {
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

  static HttpFilter headerMutation(List<HeaderMutation> mutations) {
    return headerMutation("tollgate.upstream_headers", mutations);
  }

  /**
   * The last filter before the codec on clusters that pass state between their filters in headers
   * the first filter sets again on every attempt ({@link Wire#ATTEMPT_HEADERS}: the attempt's
   * upstream model, model span and translation): none reaches a provider.
   */
  static HttpFilter internalHeaderRemoval() {
    return headerMutation(
        "tollgate.upstream_internal_headers",
        Wire.ATTEMPT_HEADERS.stream()
            .map(h -> HeaderMutation.newBuilder().setRemove(h).build())
            .toList());
  }

  /**
   * The header edit that gives an attempt the model span the processor marked, from its metadata
   * (nothing when it marked none): the model filter reads it, the attempt's last filter removes it.
   */
  static HeaderMutation modelSpan() {
    return set(Wire.MODEL_SPAN_HEADER, requestMetadata(Wire.MODEL_SPAN));
  }

  /** A header value read from the processor's metadata of the request; empty when it wrote none. */
  static String requestMetadata(String key) {
    return "%DYNAMIC_METADATA(" + Wire.METADATA_NAMESPACE + ":" + key + ")%";
  }

  private static HttpFilter headerMutation(String name, List<HeaderMutation> mutations) {
    return httpFilter(
        name,
        io.envoyproxy.envoy.extensions.filters.http.header_mutation.v3.HeaderMutation.newBuilder()
            .setMutations(Mutations.newBuilder().addAllRequestMutations(mutations))
            .build());
  }

  /** The Lua filter that rewrites the path from the headers {@link UpstreamPath} names. */
  static HttpFilter pathFilter() {
    return httpFilter(
        "tollgate.upstream_path",
        Lua.newBuilder().setDefaultSourceCode(XdsProtos.inline(UpstreamPath.LUA)).build());
  }

  /** The Lua template of the upstream model filter, with placeholders. */
  static final String MODEL_LUA_TEMPLATE = UpstreamPath.load("upstream-model.lua");

  /** Where the model filter's {@code ${NAME}} placeholders come from: {@link Wire}'s headers. */
  static final Map<String, String> MODEL_LUA_NAMES =
      Map.of(
          "MODEL_SPAN_HEADER", Wire.MODEL_SPAN_HEADER,
          "UPSTREAM_MODEL_HEADER", Wire.UPSTREAM_MODEL_HEADER);

  /**
   * The Lua filter that writes the attempt's upstream model (the {@code x-tollgate-upstream-model}
   * header the header mutation set) over the body's top-level model, at the span the processor
   * marked (the {@code x-tollgate-model-span} header the header mutation set from the processor's
   * metadata); requests without the mark pass untouched, their body never buffered by it.
   */
  static HttpFilter modelFilter() {
    return httpFilter(
        "tollgate.upstream_model",
        Lua.newBuilder()
            .setDefaultSourceCode(
                XdsProtos.inline(UpstreamPath.substitute(MODEL_LUA_TEMPLATE, MODEL_LUA_NAMES)))
            .build());
  }

  /** Injects the value of one SDS secret as one request header. */
  static HttpFilter credentialInjectorFilter(String secret, String header) {
    return httpFilter(CREDENTIAL_INJECTOR, credentialInjector(secret, header));
  }

  /**
   * Runs the credential injector of the SDS secret named in {@code selectorHeader}: one aggregate
   * cluster's members may each need a different key.
   *
   * @param headerBySecret the header each secret is injected as, sorted by secret name
   */
  static HttpFilter credentialByEndpoint(Map<String, String> headerBySecret, String selector) {
    Map<String, ExecuteFilterAction> actions = new java.util.LinkedHashMap<>();
    headerBySecret.forEach(
        (secret, header) ->
            actions.put(
                secret,
                ExecuteFilterAction.newBuilder()
                    .setTypedConfig(typed(CREDENTIAL_INJECTOR, credentialInjector(secret, header)))
                    .build()));
    return compositeByHeader(
        "tollgate.credential_by_endpoint", "credential", "inject ", selector, actions);
  }

  /**
   * A composite filter that runs, per request, the filter of the action whose key is exactly the
   * value of {@code header}, and nothing when none is.
   *
   * @param actionPrefix the action's name before its key
   * @param actions by header value, in the order they are written
   */
  static HttpFilter compositeByHeader(
      String filterName,
      String inputName,
      String actionPrefix,
      String header,
      Map<String, ExecuteFilterAction> actions) {
    Matcher.MatcherTree.MatchMap.Builder byValue = Matcher.MatcherTree.MatchMap.newBuilder();
    actions.forEach(
        (value, action) ->
            byValue.putMap(
                value,
                Matcher.OnMatch.newBuilder()
                    .setAction(
                        com.github.xds.core.v3.TypedExtensionConfig.newBuilder()
                            .setName(actionPrefix + value)
                            .setTypedConfig(Any.pack(action)))
                    .build()));
    return httpFilter(
        filterName,
        ExtensionWithMatcher.newBuilder()
            .setExtensionConfig(typed("composite", Composite.getDefaultInstance()))
            .setXdsMatcher(
                Matcher.newBuilder()
                    .setMatcherTree(
                        Matcher.MatcherTree.newBuilder()
                            .setInput(
                                com.github.xds.core.v3.TypedExtensionConfig.newBuilder()
                                    .setName(inputName)
                                    .setTypedConfig(
                                        Any.pack(
                                            HttpRequestHeaderMatchInput.newBuilder()
                                                .setHeaderName(header)
                                                .build())))
                            .setExactMatchMap(byValue)))
            .build());
  }

  /** Sets a header, replacing any value it had. */
  static HeaderMutation set(String header, String value) {
    return HeaderMutation.newBuilder()
        .setAppend(
            HeaderValueOption.newBuilder()
                .setHeader(HeaderValue.newBuilder().setKey(header).setValue(value))
                .setAppendAction(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD))
        .build();
  }

  /** A header value read from the chosen endpoint's Tollgate metadata. */
  static String endpointMetadata(String key) {
    return "%UPSTREAM_METADATA(" + Wire.METADATA_NAMESPACE + ":" + key + ")%";
  }

  /** A header value taken as it is: escapes Envoy's formatter syntax. */
  static String literal(String value) {
    return value.replace("%", "%%");
  }

  private static CredentialInjector credentialInjector(String secret, String header) {
    return CredentialInjector.newBuilder()
        .setOverwrite(true)
        .setCredential(
            typed(
                "envoy.http.injected_credentials.generic",
                Generic.newBuilder()
                    .setCredential(
                        SdsSecretConfig.newBuilder().setName(secret).setSdsConfig(XdsProtos.ADS))
                    .setHeader(header)
                    .build()))
        .build();
  }
}
