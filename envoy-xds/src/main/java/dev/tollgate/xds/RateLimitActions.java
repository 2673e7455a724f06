package dev.tollgate.xds;

import dev.tollgate.model.GatewayModel.Route;
import dev.tollgate.model.Wire;
import io.envoyproxy.envoy.config.route.v3.RateLimit;
import io.envoyproxy.envoy.extensions.filters.http.ratelimit.v3.RateLimitPerRoute;
import io.envoyproxy.envoy.type.metadata.v3.MetadataKey;
import java.util.List;

/**
 * The rate-limit actions of a budgeted route entry: a reserve descriptor at request start and a
 * commit descriptor at stream done, in the shape the rate-limit service's {@code BudgetDescriptor}
 * parses. The commit is a backstop: its phase comes from the processor's metadata ({@link
 * Wire#ENVOY_COMMIT_PHASE}), which the processor empties when it settles the request itself, so a
 * request that ends normally costs one rate-limit call from Envoy, not two.
 */
final class RateLimitActions {
  private RateLimitActions() {}

  /** Returns the per-route rate-limit configuration of one requested model of a route. */
  static RateLimitPerRoute budgetActions(Route route, String requested) {
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
            // From the processor's metadata: empty (no descriptor, no call) when it settles itself.
            .addActions(metadata(Wire.PHASE, Wire.ENVOY_COMMIT_PHASE, null))
            .addAllActions(identityActions(route, requested))
            .addActions(metadata(Wire.INPUT_TOKENS_KEY, Wire.INPUT_TOKENS, "0"))
            .addActions(metadata(Wire.CACHED_INPUT_TOKENS_KEY, Wire.CACHED_INPUT_TOKENS, "0"))
            .addActions(
                metadata(Wire.CACHE_WRITE_INPUT_TOKENS_KEY, Wire.CACHE_WRITE_INPUT_TOKENS, "0"))
            .addActions(metadata(Wire.OUTPUT_TOKENS_KEY, Wire.OUTPUT_TOKENS, "0"))
            .addActions(metadata(Wire.PROVIDER_KEY, Wire.PROVIDER, Wire.UNKNOWN_PROVIDER))
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
  private static List<RateLimit.Action> identityActions(Route route, String requested) {
    return List.of(
        genericKey(Wire.NAMESPACE_KEY, route.namespace()),
        genericKey(Wire.ROUTE_KEY, route.name()),
        metadata(Wire.CLIENT_KEY, Wire.CLIENT_KEY, null),
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
  private static RateLimit.Action metadata(String key, String metadataKey, String fallback) {
    RateLimit.Action.MetaData.Builder metadata =
        RateLimit.Action.MetaData.newBuilder()
            .setDescriptorKey(key)
            .setMetadataKey(
                MetadataKey.newBuilder()
                    .setKey(Wire.METADATA_NAMESPACE)
                    .addPath(MetadataKey.PathSegment.newBuilder().setKey(metadataKey)))
            .setSource(RateLimit.Action.MetaData.Source.DYNAMIC);
    if (fallback != null) {
      metadata.setDefaultValue(fallback);
    }
    return RateLimit.Action.newBuilder().setMetadata(metadata).build();
  }
}
