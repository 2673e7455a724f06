package dev.tollgate.ratelimit;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UInt64Value;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RateLimit;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.extensions.filters.http.ratelimit.v3.RateLimitPerRoute;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What Envoy's rate-limit HTTP filter sends for a route's actions, given a request's headers and
 * the dynamic metadata the processor wrote: one descriptor per rate limit whose actions all produce
 * an entry, at request start or (with {@code apply_on_stream_done}) at stream done.
 *
 * <p>Knows the action kinds Tollgate's routes use and fails on any other, so a new kind of action
 * has to be taught here before its descriptors can pass the contract test.
 */
final class EnvoyRateLimitFilter {
  static final String FILTER = "envoy.filters.http.ratelimit";
  private static final Pattern DYNAMIC_METADATA =
      Pattern.compile("%DYNAMIC_METADATA\\(([^:)]+):([^)]+)\\)%");

  private final String domain;

  private EnvoyRateLimitFilter(String domain) {
    this.domain = domain;
  }

  /** Reads the filter's domain from the listener's HTTP connection manager. */
  static EnvoyRateLimitFilter of(Listener listener) throws InvalidProtocolBufferException {
    HttpConnectionManager hcm =
        listener
            .getFilterChains(0)
            .getFilters(0)
            .getTypedConfig()
            .unpack(HttpConnectionManager.class);
    for (HttpFilter filter : hcm.getHttpFiltersList()) {
      if (filter.getName().equals(FILTER)) {
        return new EnvoyRateLimitFilter(
            filter
                .getTypedConfig()
                .unpack(io.envoyproxy.envoy.extensions.filters.http.ratelimit.v3.RateLimit.class)
                .getDomain());
      }
    }
    throw new AssertionError("the listener has no " + FILTER);
  }

  /**
   * Returns the request Envoy sends at request start ({@code streamDone} false) or at stream done.
   *
   * @param headers request headers, lower-case names
   * @param metadata dynamic metadata, by namespace and key
   */
  RateLimitRequest request(
      RateLimitPerRoute route,
      boolean streamDone,
      Map<String, String> headers,
      Map<String, Map<String, String>> metadata) {
    RateLimitRequest.Builder request = RateLimitRequest.newBuilder().setDomain(domain);
    for (RateLimit limit : route.getRateLimitsList()) {
      if (limit.getApplyOnStreamDone() == streamDone) {
        descriptor(limit, headers, metadata).ifPresent(request::addDescriptors);
      }
    }
    return request.build();
  }

  private static Optional<RateLimitDescriptor> descriptor(
      RateLimit limit, Map<String, String> headers, Map<String, Map<String, String>> metadata) {
    RateLimitDescriptor.Builder descriptor = RateLimitDescriptor.newBuilder();
    for (RateLimit.Action action : limit.getActionsList()) {
      Optional<RateLimitDescriptor.Entry> entry = entry(action, headers, metadata);
      if (entry.isEmpty()) {
        // Envoy sends no descriptor when any of its actions produces no entry.
        return Optional.empty();
      }
      descriptor.addEntries(entry.get());
    }
    if (limit.hasHitsAddend()) {
      String format = limit.getHitsAddend().getFormat();
      Matcher m = DYNAMIC_METADATA.matcher(format);
      if (!m.matches()) {
        throw new AssertionError("unsupported hits_addend format " + format);
      }
      String value = metadata.getOrDefault(m.group(1), Map.of()).get(m.group(2));
      descriptor.setHitsAddend(UInt64Value.of(value == null ? 0 : Long.parseLong(value)));
    }
    return Optional.of(descriptor.build());
  }

  private static Optional<RateLimitDescriptor.Entry> entry(
      RateLimit.Action action,
      Map<String, String> headers,
      Map<String, Map<String, String>> metadata) {
    return switch (action.getActionSpecifierCase()) {
      case GENERIC_KEY ->
          Optional.of(
              entry(
                  action.getGenericKey().getDescriptorKey(),
                  action.getGenericKey().getDescriptorValue()));
      case REQUEST_HEADERS ->
          Optional.ofNullable(headers.get(action.getRequestHeaders().getHeaderName()))
              .map(v -> entry(action.getRequestHeaders().getDescriptorKey(), v));
      case METADATA -> {
        RateLimit.Action.MetaData meta = action.getMetadata();
        if (meta.getSource() != RateLimit.Action.MetaData.Source.DYNAMIC
            || meta.getMetadataKey().getPathCount() != 1) {
          throw new AssertionError("unsupported metadata action " + meta);
        }
        String value =
            metadata
                .getOrDefault(meta.getMetadataKey().getKey(), Map.of())
                .get(meta.getMetadataKey().getPath(0).getKey());
        // As Envoy's MetaDataAction: an empty string is no value (the default, else no descriptor).
        if (value != null && value.isEmpty()) {
          value = null;
        }
        if (value == null && !meta.getDefaultValue().isEmpty()) {
          value = meta.getDefaultValue();
        }
        yield Optional.ofNullable(value).map(v -> entry(meta.getDescriptorKey(), v));
      }
      default -> throw new AssertionError("unsupported rate-limit action " + action);
    };
  }

  private static RateLimitDescriptor.Entry entry(String key, String value) {
    return RateLimitDescriptor.Entry.newBuilder().setKey(key).setValue(value).build();
  }
}
