package dev.tollgate.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.ratelimit.store.BudgetStore;
import dev.tollgate.ratelimit.store.MemoryBudgetStore;
import dev.tollgate.testkit.MutableClock;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.Code;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A limit counted per client gives named clients their own amount, on one route. */
class ClientAmountsTest {
  private static final String QUOTA =
      """
      apiVersion: tollgate.dev/v1alpha1
      kind: TokenQuota
      metadata: {name: per-client, namespace: default}
      spec:
        limits:
          - name: tokens-per-minute
            type: Tokens
            amount: "10000"
            window: 1m
            per: [Client]
            clients:
              - {client: ci-bot, amount: "50000"}
              - {client: intern, amount: "1000"}
      """;

  private final BudgetStore store = MemoryBudgetStore.withDefaults();
  private final RateLimitService service =
      new RateLimitService(
          Fixtures.quickstartWith(QUOTA),
          store,
          RateLimitSettings.defaults(),
          new MutableClock(Instant.parse("2026-03-10T10:00:10Z")),
          new SimpleMeterRegistry());

  @AfterEach
  void close() {
    store.close();
  }

  private RateLimitResponse reserve(String client, String id, long tokens) {
    return service
        .decide(Requests.reserve("default", "chat", client, "demo-chat", id, tokens))
        .join();
  }

  @Test
  void namedClientsGetTheirOwnAmountAndEveryoneElseTheDefault() {
    assertThat(reserve("ci-bot", "c1", 40_000).getOverallCode()).isEqualTo(Code.OK);
    assertThat(Requests.headers(reserve("ci-bot", "c2", 1)))
        .containsEntry("x-ratelimit-limit-tokens", "50000");
    assertThat(reserve("intern", "i1", 1_500).getOverallCode()).isEqualTo(Code.OVER_LIMIT);
    assertThat(reserve("alice", "a1", 9_000).getOverallCode()).isEqualTo(Code.OK);
    assertThat(reserve("alice", "a2", 2_000).getOverallCode()).isEqualTo(Code.OVER_LIMIT);

    List<BucketUsageReport> usage = service.usage("default", "per-client").join();
    assertThat(usage)
        .filteredOn(r -> r.bucket().equals("client=ci-bot"))
        .singleElement()
        .satisfies(r -> assertThat(r.limit()).isEqualTo("tokens-per-minute"))
        .satisfies(r -> assertThat(r.amount()).isEqualByComparingTo("50000"));
  }
}
