package dev.tollgate.ratelimit;

import com.google.protobuf.UInt64Value;
import dev.tollgate.model.Wire;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import java.util.Map;
import java.util.TreeMap;

/** Rate-limit requests as Envoy sends them for Tollgate's routes. */
public final class Requests {
  private Requests() {}

  /** Returns the reservation Envoy sends at request start. */
  public static RateLimitRequest reserve(
      String namespace, String route, String client, String model, String requestId, long hits) {
    return RateLimitRequest.newBuilder()
        .setDomain(Wire.RATE_LIMIT_DOMAIN)
        .addDescriptors(
            identity(Wire.RESERVE, namespace, route, client, model, requestId)
                .setHitsAddend(UInt64Value.of(hits)))
        .build();
  }

  /** Returns the commit Envoy sends at stream done. */
  public static RateLimitRequest commit(
      String namespace,
      String route,
      String client,
      String model,
      String requestId,
      long input,
      long cached,
      long output,
      String provider) {
    return RateLimitRequest.newBuilder()
        .setDomain(Wire.RATE_LIMIT_DOMAIN)
        .addDescriptors(
            identity(Wire.COMMIT, namespace, route, client, model, requestId)
                .addEntries(entry(Wire.INPUT_TOKENS_KEY, Long.toString(input)))
                .addEntries(entry(Wire.CACHED_INPUT_TOKENS_KEY, Long.toString(cached)))
                .addEntries(entry(Wire.OUTPUT_TOKENS_KEY, Long.toString(output)))
                .addEntries(entry(Wire.PROVIDER_KEY, provider)))
        .build();
  }

  /** Returns the response headers by name. */
  public static Map<String, String> headers(RateLimitResponse response) {
    Map<String, String> headers = new TreeMap<>();
    for (HeaderValue h : response.getResponseHeadersToAddList()) {
      headers.put(h.getKey(), h.getValue());
    }
    return headers;
  }

  static RateLimitDescriptor.Builder identity(
      String phase, String namespace, String route, String client, String model, String id) {
    return RateLimitDescriptor.newBuilder()
        .addEntries(entry(Wire.PHASE, phase))
        .addEntries(entry(Wire.NAMESPACE_KEY, namespace))
        .addEntries(entry(Wire.ROUTE_KEY, route))
        .addEntries(entry(Wire.CLIENT_KEY, client))
        .addEntries(entry(Wire.MODEL_KEY, model))
        .addEntries(entry(Wire.REQUEST_ID_KEY, id));
  }

  static RateLimitDescriptor.Entry entry(String key, String value) {
    return RateLimitDescriptor.Entry.newBuilder().setKey(key).setValue(value).build();
  }
}
