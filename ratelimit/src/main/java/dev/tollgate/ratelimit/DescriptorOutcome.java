package dev.tollgate.ratelimit;

import dev.tollgate.api.v1alpha1.Window;
import dev.tollgate.ratelimit.store.BucketState;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.Code;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.DescriptorStatus;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The decision on one descriptor of a rate-limit request, and how decisions merge into Envoy's
 * answer.
 *
 * @param code OK or OVER_LIMIT
 * @param status the descriptor's status in the answer
 * @param headers the response headers this decision adds
 */
record DescriptorOutcome(Code code, DescriptorStatus status, List<HeaderValue> headers) {
  private static final long UINT32_MAX = 0xFFFF_FFFFL;

  /** Allowed, with nothing to tell the client. */
  static final DescriptorOutcome OK =
      new DescriptorOutcome(
          Code.OK, DescriptorStatus.newBuilder().setCode(Code.OK).build(), List.of());

  /** Envoy's answer to a whole request: over the limit if any descriptor is. */
  static RateLimitResponse response(List<DescriptorOutcome> outcomes) {
    boolean over = outcomes.stream().anyMatch(o -> o.code() == Code.OVER_LIMIT);
    RateLimitResponse.Builder response =
        RateLimitResponse.newBuilder().setOverallCode(over ? Code.OVER_LIMIT : Code.OK);
    Map<String, HeaderValue> headers = new LinkedHashMap<>();
    // The headers of a rejecting descriptor explain the rejection, so they win.
    for (boolean rejecting : new boolean[] {true, false}) {
      for (DescriptorOutcome outcome : outcomes) {
        if ((outcome.code() == Code.OVER_LIMIT) == rejecting) {
          outcome.headers().forEach(h -> headers.putIfAbsent(h.getKey(), h));
        }
      }
    }
    outcomes.forEach(o -> response.addStatuses(o.status()));
    response.addAllResponseHeadersToAdd(headers.values());
    return response.build();
  }

  /** The status of a descriptor decided against one bucket: its limit, what is left, the reset. */
  static DescriptorStatus status(Code code, PlannedCharge charge, BucketState state, Instant now) {
    Budget budget = charge.budget();
    return DescriptorStatus.newBuilder()
        .setCode(code)
        .setCurrentLimit(
            RateLimitResponse.RateLimit.newBuilder()
                .setName(budget.quota() + "/" + budget.limit().name())
                .setRequestsPerUnit((int) Math.min(UINT32_MAX, budget.limitUnits()))
                .setUnit(unit(budget.limit().window())))
        .setLimitRemaining((int) Math.min(UINT32_MAX, ResponseHeaders.remaining(charge, state)))
        .setDurationUntilReset(protoDuration(charge.window().remaining(now)))
        .build();
  }

  private static RateLimitResponse.RateLimit.Unit unit(Window window) {
    return switch (window) {
      case MINUTE -> RateLimitResponse.RateLimit.Unit.MINUTE;
      case HOUR -> RateLimitResponse.RateLimit.Unit.HOUR;
      case DAY -> RateLimitResponse.RateLimit.Unit.DAY;
      case MONTH -> RateLimitResponse.RateLimit.Unit.MONTH;
    };
  }

  private static com.google.protobuf.Duration protoDuration(java.time.Duration duration) {
    return com.google.protobuf.Duration.newBuilder()
        .setSeconds(duration.getSeconds())
        .setNanos(duration.getNano())
        .build();
  }
}
