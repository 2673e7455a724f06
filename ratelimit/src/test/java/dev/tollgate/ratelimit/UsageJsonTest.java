package dev.tollgate.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.model.GatewayModel;
import dev.tollgate.ratelimit.store.MemoryBudgetStore;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class UsageJsonTest {
  private static final String QUOTA =
      Fixtures.quota(
          "default-budget",
          "Enforce",
          "UTC",
          Fixtures.limit("tokens-per-minute", "Tokens", "20000", "1m", "Client"));

  @Test
  void parsesBackWhatItRenders() {
    GatewayModel model = Fixtures.quickstartWith(QUOTA);
    try (MemoryBudgetStore store = MemoryBudgetStore.withDefaults()) {
      RateLimitService service =
          new RateLimitService(
              model,
              store,
              RateLimitSettings.defaults(),
              Clock.fixed(Instant.parse("2026-03-10T10:00:10Z"), ZoneOffset.UTC),
              new SimpleMeterRegistry());
      Answer answer = new Answer();
      service.shouldRateLimit(
          Requests.reserve("default", "chat", "alice", "fast", "r1", 1500), answer);
      assertThat(answer.join().getOverallCode()).isEqualTo(RateLimitResponse.Code.OK);

      String json = UsageJson.render(model, service, "namespace=default&quota=default-budget");
      List<BucketUsageReport> parsed = UsageJson.parse(json, "default", "default-budget");

      assertThat(parsed)
          .isNotEmpty()
          .containsExactlyElementsOf(service.usage("default", "default-budget").join());
      assertThat(parsed.get(0).reserved()).isEqualByComparingTo("1500");
      assertThat(UsageJson.parse(json, "default", "no-such-quota")).isEmpty();
    }
  }

  @Test
  void aQuotaWhoseUsageIsUnavailableFailsSoThatThePreviousReadingStays() {
    String body =
        "[{\"namespace\":\"a\",\"name\":\"q\",\"buckets\":[],\"error\":\"usage unavailable: x\"}]";
    assertThatThrownBy(() -> UsageJson.parse(body, "a", "q"))
        .hasMessageContaining("usage unavailable");
    assertThat(UsageJson.parse(body, "a", "other")).isEmpty();
  }

  /** The service's answer to one request. */
  private static final class Answer extends CompletableFuture<RateLimitResponse>
      implements StreamObserver<RateLimitResponse> {
    @Override
    public void onNext(RateLimitResponse value) {
      complete(value);
    }

    @Override
    public void onError(Throwable t) {
      completeExceptionally(t);
    }

    @Override
    public void onCompleted() {}
  }
}
