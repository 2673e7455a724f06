package dev.tollgate.operator;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.UInt64Value;
import dev.tollgate.model.Wire;
import dev.tollgate.ratelimit.RateLimitService;
import dev.tollgate.ratelimit.RateLimitSettings;
import dev.tollgate.ratelimit.store.MemoryBudgetStore;
import dev.tollgate.testkit.MutableClock;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RateLimitUsageReaderTest {
  @Test
  void readsTheBucketsOfAQuotaFromTheRateLimitServiceInThisJvm() throws Exception {
    MutableClock clock = new MutableClock(Instant.parse("2026-03-10T10:00:10Z"));
    try (MemoryBudgetStore store = MemoryBudgetStore.withDefaults()) {
      RateLimitService service =
          new RateLimitService(
              TestModels.model(TestModels.example("quickstart")),
              store,
              RateLimitSettings.defaults(),
              clock,
              new SimpleMeterRegistry());
      reserve(service, "r1", 1500);

      List<QuotaBucketUsage> usage =
          new RateLimitUsageReader(service)
              .usage("default", "default-budget")
              .get(5, TimeUnit.SECONDS);

      assertThat(usage)
          .filteredOn(b -> b.limit().equals("tokens-per-minute"))
          .singleElement()
          .satisfies(
              b -> {
                assertThat(b.bucket()).isEqualTo("client=alice");
                assertThat(b.amount()).isEqualByComparingTo("20000");
                assertThat(b.reserved()).isEqualByComparingTo("1500");
                assertThat(b.remaining()).isEqualByComparingTo(new BigDecimal("18500"));
                assertThat(b.resetsAt()).isEqualTo(Instant.parse("2026-03-10T10:01:00Z"));
              });
      assertThat(
              new RateLimitUsageReader(service)
                  .usage("default", "no-such-quota")
                  .get(5, TimeUnit.SECONDS))
          .isEmpty();
    }
  }

  static void reserve(RateLimitService service, String requestId, long tokens) throws Exception {
    RateLimitRequest request =
        RateLimitRequest.newBuilder()
            .setDomain(Wire.RATE_LIMIT_DOMAIN)
            .addDescriptors(
                RateLimitDescriptor.newBuilder()
                    .addEntries(entry(Wire.PHASE, Wire.RESERVE))
                    .addEntries(entry(Wire.NAMESPACE_KEY, "default"))
                    .addEntries(entry(Wire.ROUTE_KEY, "chat"))
                    .addEntries(entry(Wire.CLIENT_KEY, "alice"))
                    .addEntries(entry(Wire.MODEL_KEY, "demo-chat"))
                    .addEntries(entry(Wire.REQUEST_ID_KEY, requestId))
                    .setHitsAddend(UInt64Value.of(tokens)))
            .build();
    CompletableFuture<RateLimitResponse> answer = new CompletableFuture<>();
    service.shouldRateLimit(
        request,
        new StreamObserver<>() {
          @Override
          public void onNext(RateLimitResponse value) {
            answer.complete(value);
          }

          @Override
          public void onError(Throwable t) {
            answer.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {}
        });
    assertThat(answer.get(5, TimeUnit.SECONDS).getOverallCode())
        .isEqualTo(RateLimitResponse.Code.OK);
  }

  static RateLimitDescriptor.Entry entry(String key, String value) {
    return RateLimitDescriptor.Entry.newBuilder().setKey(key).setValue(value).build();
  }
}
