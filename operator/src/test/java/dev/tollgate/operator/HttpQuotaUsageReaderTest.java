package dev.tollgate.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.UInt64Value;
import dev.tollgate.model.GatewayModel;
import dev.tollgate.model.Wire;
import dev.tollgate.ratelimit.BucketUsageReport;
import dev.tollgate.ratelimit.RateLimitService;
import dev.tollgate.ratelimit.RateLimitSettings;
import dev.tollgate.ratelimit.UsageJson;
import dev.tollgate.ratelimit.store.MemoryBudgetStore;
import dev.tollgate.serving.HealthServer;
import dev.tollgate.testkit.MutableClock;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The operator reading usage over HTTP from a rate-limit service in another process (the chart's
 * layout) sees what it would see in the same JVM: the /usage endpoint of the rate-limit role,
 * served here by the same HealthServer and UsageJson, read by HttpQuotaUsageReader.
 */
class HttpQuotaUsageReaderTest {
  @Test
  void readsTheSameBucketsOverHttpAsInTheSameJvm() throws Exception {
    MutableClock clock = new MutableClock(Instant.parse("2026-03-10T10:00:10Z"));
    GatewayModel model = TestModels.model(TestModels.example("quickstart"));
    try (MemoryBudgetStore store = MemoryBudgetStore.withDefaults()) {
      RateLimitService service =
          new RateLimitService(
              model, store, RateLimitSettings.defaults(), clock, new SimpleMeterRegistry());
      reserve(service, "r1", 1500);
      try (HealthServer server =
          HealthServer.start(
              "127.0.0.1",
              0,
              new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
              () -> true,
              () -> true,
              Map.of("/usage", query -> UsageJson.render(model, service, query)))) {
        HttpQuotaUsageReader http =
            new HttpQuotaUsageReader(URI.create("http://127.0.0.1:" + server.port() + "/"));

        List<BucketUsageReport> overHttp =
            http.usage("default", "default-budget").get(5, TimeUnit.SECONDS);
        List<BucketUsageReport> inJvm =
            service.usage("default", "default-budget").get(5, TimeUnit.SECONDS);

        assertThat(overHttp).isNotEmpty().containsExactlyInAnyOrderElementsOf(inJvm);
        assertThat(overHttp)
            .filteredOn(b -> b.limit().equals("tokens-per-minute"))
            .singleElement()
            .satisfies(b -> assertThat(b.reserved()).isEqualByComparingTo("1500"));
        assertThat(http.usage("default", "no-such-quota").get(5, TimeUnit.SECONDS)).isEmpty();
      }
    }
  }

  @Test
  void anUnreachableServiceFailsTheFuture() {
    HttpQuotaUsageReader http = new HttpQuotaUsageReader(URI.create("http://127.0.0.1:1"));
    assertThatThrownBy(() -> http.usage("a", "q").get(5, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class);
  }

  private static void reserve(RateLimitService service, String requestId, long tokens)
      throws Exception {
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

  private static RateLimitDescriptor.Entry entry(String key, String value) {
    return RateLimitDescriptor.Entry.newBuilder().setKey(key).setValue(value).build();
  }
}
