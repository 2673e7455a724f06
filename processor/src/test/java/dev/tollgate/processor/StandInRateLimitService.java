package dev.tollgate.processor;

import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A rate-limit service that records what Envoy asked (each descriptor's entries and its
 * hits_addend, which is how the processor's metadata reaches the budget service) and allows
 * everything but reservations of {@value #OVER_LIMIT_FROM} tokens or more.
 */
final class StandInRateLimitService extends RateLimitServiceGrpc.RateLimitServiceImplBase {
  /**
   * One descriptor Envoy sent.
   *
   * @param entries its entries by key
   * @param hitsAddend its hits_addend, or the request's when it has none
   */
  record Seen(Map<String, String> entries, long hitsAddend) {}

  static final long OVER_LIMIT_FROM = 100_000;

  final List<Seen> seen = new CopyOnWriteArrayList<>();

  @Override
  public void shouldRateLimit(
      RateLimitRequest request, StreamObserver<RateLimitResponse> responses) {
    boolean over = false;
    for (RateLimitDescriptor d : request.getDescriptorsList()) {
      Map<String, String> entries = new TreeMap<>();
      d.getEntriesList().forEach(e -> entries.put(e.getKey(), e.getValue()));
      long hits = d.hasHitsAddend() ? d.getHitsAddend().getValue() : request.getHitsAddend();
      seen.add(new Seen(entries, hits));
      over |= hits >= OVER_LIMIT_FROM;
    }
    responses.onNext(
        RateLimitResponse.newBuilder()
            .setOverallCode(over ? RateLimitResponse.Code.OVER_LIMIT : RateLimitResponse.Code.OK)
            .build());
    responses.onCompleted();
  }
}
