package dev.tollgate.ratelimit;

import static dev.tollgate.ratelimit.Fixtures.limit;
import static dev.tollgate.ratelimit.Fixtures.quota;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.UInt64Value;
import dev.tollgate.model.GatewayModel;
import dev.tollgate.model.Wire;
import dev.tollgate.ratelimit.store.BucketReading;
import dev.tollgate.ratelimit.store.BudgetStore;
import dev.tollgate.ratelimit.store.CommitResult;
import dev.tollgate.ratelimit.store.MemoryBudgetStore;
import dev.tollgate.ratelimit.store.ReserveResult;
import dev.tollgate.ratelimit.store.StoreUnavailableException;
import dev.tollgate.testkit.MutableClock;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse.Code;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RateLimitServiceTest {
  private static final String TOKENS_AND_REQUESTS =
      quota(
          "default-budget",
          "Enforce",
          "UTC",
          limit("tokens-per-minute", "Tokens", "20000", "1m", "Client")
              + limit("requests-per-day", "Requests", "500", "1d", "Client"));

  private final MutableClock clock = new MutableClock(Instant.parse("2026-03-10T10:00:10Z"));
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private BudgetStore store = MemoryBudgetStore.withDefaults();
  private RateLimitService service;
  private Server server;
  private ManagedChannel channel;
  private RateLimitServiceGrpc.RateLimitServiceBlockingStub rls;

  @AfterEach
  void stop() {
    if (channel != null) {
      channel.shutdownNow();
      server.shutdownNow();
    }
    store.close();
  }

  @Test
  void aReservationWithinBudgetIsOkAndCarriesOpenAiStyleHeaders() throws IOException {
    serve(Fixtures.quickstartWith(TOKENS_AND_REQUESTS));
    RateLimitResponse response = rls.shouldRateLimit(reserve("alice", "r1", 1500));
    assertThat(response.getOverallCode()).isEqualTo(Code.OK);
    assertThat(Requests.headers(response))
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "x-ratelimit-limit-tokens", "20000",
                "x-ratelimit-remaining-tokens", "18500",
                "x-ratelimit-reset-tokens", "50s",
                "x-ratelimit-limit-requests", "500",
                "x-ratelimit-remaining-requests", "499",
                "x-ratelimit-reset-requests", "13h59m50s"));
    RateLimitResponse.DescriptorStatus status = response.getStatuses(0);
    assertThat(status.getCode()).isEqualTo(Code.OK);
    assertThat(status.getCurrentLimit().getName()).isEqualTo("default-budget/tokens-per-minute");
    assertThat(status.getLimitRemaining()).isEqualTo(18500);
    assertThat(status.getDurationUntilReset().getSeconds()).isEqualTo(50);
  }

  @Test
  void aReservationThatDoesNotFitIsOverLimitWithRetryAfterAndChangesNothing() throws IOException {
    serve(Fixtures.quickstartWith(TOKENS_AND_REQUESTS));
    rls.shouldRateLimit(reserve("alice", "r1", 15000));
    RateLimitResponse rejected = rls.shouldRateLimit(reserve("alice", "r2", 6000));
    assertThat(rejected.getOverallCode()).isEqualTo(Code.OVER_LIMIT);
    assertThat(Requests.headers(rejected))
        .containsEntry("retry-after", "50")
        .containsEntry("x-ratelimit-remaining-tokens", "5000")
        .doesNotContainKey(ResponseHeaders.WARNING);
    // Another client has its own bucket.
    assertThat(rls.shouldRateLimit(reserve("bob", "r3", 6000)).getOverallCode()).isEqualTo(Code.OK);
    // The rejected request releases nothing and counts nothing at stream done.
    rls.shouldRateLimit(commit("alice", "r2", 0, 0, 0, "none"));
    assertThat(usageOf("default-budget", "requests-per-day", "client=alice").used())
        .isEqualByComparingTo("0");
    assertThat(usageOf("default-budget", "tokens-per-minute", "client=alice").reserved())
        .isEqualByComparingTo("15000");
  }

  @Test
  void streamDoneCommitsTheActualTokensAndReleasesTheReservation() throws IOException {
    serve(Fixtures.quickstartWith(TOKENS_AND_REQUESTS));
    rls.shouldRateLimit(reserve("alice", "r1", 15000));
    RateLimitResponse commit =
        rls.shouldRateLimit(commit("alice", "r1", 1000, 0, 500, "default/demo"));
    assertThat(commit.getOverallCode()).isEqualTo(Code.OK);
    assertThat(Requests.headers(rls.shouldRateLimit(reserve("alice", "r2", 18000))))
        .containsEntry("x-ratelimit-remaining-tokens", "500")
        .containsEntry("x-ratelimit-remaining-requests", "498");
    BucketUsageReport tokens = usageOf("default-budget", "tokens-per-minute", "client=alice");
    assertThat(tokens.used()).isEqualByComparingTo("1500");
    assertThat(tokens.reserved()).isEqualByComparingTo("18000");
  }

  @Test
  void whicheverCommitComesFirstSettlesTheRequestAndTheOtherLearnsItsUsage() throws IOException {
    serve(Fixtures.quickstartWith(TOKENS_AND_REQUESTS));
    RequestIdentity alice = new RequestIdentity("default", "chat", "alice", "fast");
    // Envoy first (an aborted stream: the metadata it last applied), then the processor.
    rls.shouldRateLimit(reserve("alice", "r1", 2000));
    rls.shouldRateLimit(commit("alice", "r1", 100, 0, 40, "default/demo"));
    Usage settled =
        settle(BudgetCalls.settleRequest(alice, "r1", new Usage(100, 0, 41, "default/demo")));
    assertThat(settled).isEqualTo(new Usage(100, 0, 40, "default/demo"));
    // The processor first; Envoy's commit after it is a duplicate.
    rls.shouldRateLimit(reserve("alice", "r2", 2000));
    assertThat(settle(BudgetCalls.settleRequest(alice, "r2", new Usage(10, 2, 7, "default/demo"))))
        .isEqualTo(new Usage(10, 2, 7, "default/demo"));
    rls.shouldRateLimit(commit("alice", "r2", 10, 0, 5, "default/demo"));
    assertThat(usageOf("default-budget", "tokens-per-minute", "client=alice").used())
        .isEqualByComparingTo("157");
    // A settlement is checked like Envoy's descriptors.
    assertThatThrownBy(
            () ->
                settle(
                    BudgetCalls.settleRequest(
                        new RequestIdentity("Not_A_Namespace", "chat", "alice", "fast"),
                        "r3",
                        new Usage(1, 0, 1, null))))
        .hasMessageContaining("INVALID_ARGUMENT");
  }

  private Usage settle(RateLimitRequest request) {
    return BudgetCalls.usage(
        io.grpc.stub.ClientCalls.blockingUnaryCall(
            channel, BudgetCalls.SETTLE, io.grpc.CallOptions.DEFAULT, request));
  }

  @Test
  void aRepeatedCommitCountsOnce() throws IOException {
    serve(Fixtures.quickstartWith(TOKENS_AND_REQUESTS));
    rls.shouldRateLimit(reserve("alice", "r1", 2000));
    rls.shouldRateLimit(commit("alice", "r1", 1000, 0, 500, "default/demo"));
    rls.shouldRateLimit(commit("alice", "r1", 1000, 0, 500, "default/demo"));
    assertThat(usageOf("default-budget", "tokens-per-minute", "client=alice").used())
        .isEqualByComparingTo("1500");
    assertThat(decisions("commit", "duplicate")).isEqualTo(1);
    assertThat(
            registry
                .get("tollgate.ratelimit.tokens.committed")
                .tags("namespace", "default", "model", "fast", "kind", "output")
                .counter()
                .count())
        .isEqualTo(500);
  }

  @Test
  void aNewWindowStartsWithAFreshBudgetWhileLongerWindowsKeepCounting() throws IOException {
    serve(Fixtures.quickstartWith(TOKENS_AND_REQUESTS));
    rls.shouldRateLimit(reserve("alice", "r1", 20000));
    rls.shouldRateLimit(commit("alice", "r1", 15000, 0, 5000, "default/demo"));
    assertThat(rls.shouldRateLimit(reserve("alice", "r2", 1)).getOverallCode())
        .isEqualTo(Code.OVER_LIMIT);
    clock.advance(Duration.ofSeconds(50));
    RateLimitResponse next = rls.shouldRateLimit(reserve("alice", "r3", 20000));
    assertThat(next.getOverallCode()).isEqualTo(Code.OK);
    assertThat(Requests.headers(next))
        .containsEntry("x-ratelimit-reset-tokens", "1m0s")
        .containsEntry("x-ratelimit-remaining-requests", "498");
  }

  @Test
  void anExpiredReservationStopsHoldingBudget() throws IOException {
    serve(
        Fixtures.quickstartWith(
            quota("daily", "Enforce", "UTC", limit("tokens", "Tokens", "1000", "1d", ""))));
    rls.shouldRateLimit(reserve("alice", "crashed", 900));
    assertThat(rls.shouldRateLimit(reserve("bob", "r2", 200)).getOverallCode())
        .isEqualTo(Code.OVER_LIMIT);
    clock.advance(RateLimitSettings.defaults().reservationTtl().plusSeconds(1));
    assertThat(rls.shouldRateLimit(reserve("bob", "r3", 200)).getOverallCode()).isEqualTo(Code.OK);
    service.maintain();
    assertThat(registry.get("tollgate.ratelimit.reservations.outstanding").gauge().value())
        .isEqualTo(1);
  }

  @Test
  void warnModeLetsRequestsOverBudgetPassWithAWarningAndCountsTheCrossingOnce() throws IOException {
    serve(
        Fixtures.quickstartWith(
            quota("soft", "Warn", "UTC", limit("tokens", "Tokens", "1000", "1h", "Client"))));
    assertThat(Requests.headers(rls.shouldRateLimit(reserve("alice", "r1", 700))))
        .doesNotContainKey(ResponseHeaders.WARNING);
    RateLimitResponse over = rls.shouldRateLimit(reserve("alice", "r2", 700));
    assertThat(over.getOverallCode()).isEqualTo(Code.OK);
    assertThat(Requests.headers(over))
        .containsEntry("x-ratelimit-remaining-tokens", "0")
        .containsEntry(
            ResponseHeaders.WARNING,
            "soft/tokens: 140% used (1400 of 1000 tokens, client=alice), resets in 59m50s;"
                + " over budget, not enforced (mode Warn)");
    rls.shouldRateLimit(reserve("alice", "r3", 700));
    assertThat(crossings("limit")).isEqualTo(1);
    assertThat(crossings("warn")).isEqualTo(1);
    assertThat(decisions("reserve", "warned")).isEqualTo(2);
  }

  @Test
  void anEnforcedBudgetWarnsFromItsSoftThreshold() throws IOException {
    serve(
        Fixtures.quickstartWith(
            quota("hard", "Enforce", "UTC", limit("tokens", "Tokens", "1000", "1h", ""))));
    assertThat(Requests.headers(rls.shouldRateLimit(reserve("alice", "r1", 850))))
        .containsEntry(
            ResponseHeaders.WARNING,
            "hard/tokens: 85% used (850 of 1000 tokens, namespace=default), resets in 59m50s");
  }

  @Test
  void aChangedQuotaAppliesWithoutRestartAndKeepsTheUsageCounted() throws IOException {
    serve(Fixtures.quickstartWith(TOKENS_AND_REQUESTS));
    rls.shouldRateLimit(reserve("alice", "r1", 15000));
    rls.shouldRateLimit(commit("alice", "r1", 15000, 0, 0, "default/demo"));
    service.update(
        Fixtures.quickstartWith(
            quota(
                "default-budget",
                "Enforce",
                "UTC",
                limit("tokens-per-minute", "Tokens", "16000", "1m", "Client"))));
    assertThat(rls.shouldRateLimit(reserve("alice", "r2", 1500)).getOverallCode())
        .isEqualTo(Code.OVER_LIMIT);
    service.update(
        Fixtures.quickstartWith(
            quota(
                "default-budget",
                "Enforce",
                "UTC",
                limit("tokens-per-minute", "Tokens", "30000", "1m", "Client"))));
    assertThat(Requests.headers(rls.shouldRateLimit(reserve("alice", "r3", 1500))))
        .containsEntry("x-ratelimit-limit-tokens", "30000")
        .containsEntry("x-ratelimit-remaining-tokens", "13500")
        .doesNotContainKey("x-ratelimit-limit-requests");
  }

  @Test
  void routesWithoutBudgetsAreAllowedWithoutHeadersAndStillCountTokens() throws IOException {
    serve(Fixtures.multiTeam());
    RateLimitResponse response =
        rls.shouldRateLimit(Requests.reserve("team-x", "any", "someone", "fast", "r1", 5_000_000));
    assertThat(response.getOverallCode()).isEqualTo(Code.OK);
    assertThat(response.getResponseHeadersToAddList()).isEmpty();
    rls.shouldRateLimit(
        Requests.commit("team-x", "any", "someone", "fast", "r1", 120, 0, 30, "none"));
    assertThat(
            registry
                .get("tollgate.ratelimit.tokens.committed")
                .tags("namespace", "team-x", "model", "other", "kind", "input")
                .counter()
                .count())
        .isEqualTo(120);
  }

  @Test
  void costBudgetsReserveAtTheHighestPriceAndCommitTheServedProvidersPrice() throws IOException {
    serve(Fixtures.multiTeam());
    rls.shouldRateLimit(Requests.reserve("team-a", "assistants", "ci-bot", "fast", "r1", 100_000));
    BucketUsageReport reserved = usage("team-a", "team-a-budgets", "monthly-cost");
    assertThat(reserved.reserved()).isEqualByComparingTo("0.06");
    assertThat(reserved.unit()).isEqualTo("USD");
    assertThat(reserved.resetsAt()).isEqualTo(Instant.parse("2026-03-31T22:00:00Z"));
    rls.shouldRateLimit(
        Requests.commit(
            "team-a",
            "assistants",
            "ci-bot",
            "fast",
            "r1",
            100_000,
            20_000,
            50_000,
            "platform/openai"));
    BucketUsageReport committed = usage("team-a", "team-a-budgets", "monthly-cost");
    assertThat(committed.used()).isEqualByComparingTo("0.0435");
    assertThat(committed.reserved()).isEqualByComparingTo("0");
    assertThat(committed.remaining()).isEqualByComparingTo("2499.9565");
    assertThat(
            registry
                .get("tollgate.ratelimit.cost.committed")
                .tags("namespace", "team-a", "model", "fast", "currency", "USD")
                .counter()
                .count())
        .isEqualTo(0.0435);
  }

  @Test
  void aMonthlyBudgetResetsAtMidnightOnTheFirstInTheQuotasZone() throws IOException {
    // Team C counts its month in New York: 03:30 UTC on 1 November is still October there.
    clock.set(Instant.parse("2026-11-01T03:30:00Z"));
    serve(Fixtures.multiTeam());
    rls.shouldRateLimit(Requests.reserve("team-c", "search", "indexer", "embed", "r1", 1_000_000));
    rls.shouldRateLimit(
        Requests.commit(
            "team-c", "search", "indexer", "embed", "r1", 1_000_000, 0, 0, "platform/openai"));
    assertThat(usage("team-c", "team-c-budgets", "monthly-cost").used())
        .isEqualByComparingTo("0.02");
    clock.set(Instant.parse("2026-11-01T04:00:00Z"));
    assertThat(service.usage("team-c", "team-c-budgets").join())
        .noneMatch(r -> r.limit().equals("monthly-cost"));
    RateLimitResponse november =
        rls.shouldRateLimit(Requests.reserve("team-c", "search", "indexer", "embed", "r2", 10));
    assertThat(usage("team-c", "team-c-budgets", "monthly-cost").resetsAt())
        .isEqualTo(Instant.parse("2026-12-01T05:00:00Z"));
    assertThat(november.getOverallCode()).isEqualTo(Code.OK);
  }

  @Test
  void usageReportListsTheBusiestBucketsFirst() throws IOException {
    serve(Fixtures.quickstartWith(TOKENS_AND_REQUESTS));
    rls.shouldRateLimit(reserve("alice", "r1", 1000));
    rls.shouldRateLimit(reserve("bob", "r2", 12000));
    List<BucketUsageReport> report = service.usage("default", "default-budget").join();
    assertThat(report)
        .extracting(r -> r.limit() + " " + r.bucket() + " " + r.percentUsed())
        .containsExactly(
            "tokens-per-minute client=bob 60",
            "tokens-per-minute client=alice 5",
            "requests-per-day client=alice 0",
            "requests-per-day client=bob 0");
    assertThat(service.usage("default", "no-such-quota").join()).isEmpty();
  }

  @Test
  void budgetGaugesShowWhatIsLeftOfEachBucketAfterReservationsAndCommits() throws IOException {
    serve(Fixtures.quickstartWith(TOKENS_AND_REQUESTS));
    rls.shouldRateLimit(reserve("alice", "r1", 1500));
    assertThat(budget("remaining", "tokens-per-minute", "client=alice")).isEqualTo(18500);
    assertThat(budget("amount", "tokens-per-minute", "client=alice")).isEqualTo(20000);
    assertThat(budget("remaining", "requests-per-day", "client=alice")).isEqualTo(499);
    assertThat(
            registry
                .get("tollgate.ratelimit.budget.remaining")
                .tags(
                    "namespace", "default",
                    "quota", "default-budget",
                    "limit", "requests-per-day",
                    "bucket", "client=alice",
                    "unit", "requests")
                .gauge()
                .value())
        .isEqualTo(499);
    rls.shouldRateLimit(commit("alice", "r1", 800, 0, 200, "default/demo"));
    assertThat(budget("remaining", "tokens-per-minute", "client=alice")).isEqualTo(19000);
    // A rejected reservation reports the counters it was refused on.
    rls.shouldRateLimit(reserve("bob", "r2", 15000));
    rls.shouldRateLimit(reserve("alice", "r3", 4000));
    assertThat(rls.shouldRateLimit(reserve("bob", "r4", 6000)).getOverallCode())
        .isEqualTo(Code.OVER_LIMIT);
    assertThat(budget("remaining", "tokens-per-minute", "client=bob")).isEqualTo(5000);
    assertThat(budget("remaining", "tokens-per-minute", "client=alice")).isEqualTo(15000);
    assertThat(registry.find("tollgate.ratelimit.budget.remaining").gauges()).hasSize(4);
  }

  @Test
  void perClientBudgetGaugesAreBoundedPerNamespaceAndEndedWindowsMakeRoom() throws IOException {
    serve(
        Fixtures.quickstartWith(
            quota(
                "default-budget",
                "Enforce",
                "UTC",
                limit("tokens-per-minute", "Tokens", "30000", "1m", "Client"))));
    int bound = RateLimitMetrics.MAX_CLIENT_BUCKETS_PER_NAMESPACE;
    for (int i = 0; i <= bound; i++) {
      rls.shouldRateLimit(reserve("user-" + i, "r" + i, 10));
    }
    assertThat(registry.find("tollgate.ratelimit.budget.remaining").gauges()).hasSize(bound);
    // The client beyond the bound is still budgeted, only not exported.
    assertThat(rls.shouldRateLimit(reserve("user-" + bound, "again", 10)).getOverallCode())
        .isEqualTo(Code.OK);
    clock.advance(Duration.ofMinutes(1));
    rls.shouldRateLimit(reserve("newcomer", "n1", 10));
    assertThat(registry.find("tollgate.ratelimit.budget.remaining").gauges()).hasSize(bound);
    assertThat(budget("remaining", "tokens-per-minute", "client=newcomer")).isEqualTo(29990);
  }

  @Test
  void theRemainingGaugeShowsTheWholeBudgetOnceTheWindowHasEnded() throws IOException {
    serve(Fixtures.quickstartWith(TOKENS_AND_REQUESTS));
    rls.shouldRateLimit(reserve("alice", "r1", 15000));
    clock.advance(Duration.ofSeconds(49));
    assertThat(budget("remaining", "tokens-per-minute", "client=alice")).isEqualTo(5000);
    clock.advance(Duration.ofSeconds(1));
    assertThat(budget("remaining", "tokens-per-minute", "client=alice")).isEqualTo(20000);
    assertThat(budget("remaining", "requests-per-day", "client=alice")).isEqualTo(499);
    rls.shouldRateLimit(reserve("alice", "r2", 1000));
    assertThat(budget("remaining", "tokens-per-minute", "client=alice")).isEqualTo(19000);
    assertThat(budget("remaining", "requests-per-day", "client=alice")).isEqualTo(498);
  }

  @Test
  void aChangedPolicyRemovesTheGaugesOfBudgetsThatAreGoneAndAmendsTheAmountOfTheOthers()
      throws IOException {
    serve(Fixtures.quickstartWith(TOKENS_AND_REQUESTS));
    rls.shouldRateLimit(reserve("alice", "r1", 1500));
    service.update(
        Fixtures.quickstartWith(
            quota(
                "default-budget",
                "Enforce",
                "UTC",
                limit("tokens-per-minute", "Tokens", "30000", "1m", "Client"))));
    assertThat(
            registry
                .find("tollgate.ratelimit.budget.remaining")
                .tag("limit", "requests-per-day")
                .gauges())
        .isEmpty();
    assertThat(
            registry
                .find("tollgate.ratelimit.budget.amount")
                .tag("limit", "requests-per-day")
                .gauges())
        .isEmpty();
    assertThat(budget("amount", "tokens-per-minute", "client=alice")).isEqualTo(30000);
    assertThat(budget("remaining", "tokens-per-minute", "client=alice")).isEqualTo(28500);
    // The same name counting requests is another counter: its gauges start again.
    service.update(
        Fixtures.quickstartWith(
            quota(
                "default-budget",
                "Enforce",
                "UTC",
                limit("tokens-per-minute", "Requests", "10", "1m", "Client"))));
    assertThat(registry.find("tollgate.ratelimit.budget.remaining").gauges()).isEmpty();
    rls.shouldRateLimit(reserve("alice", "r2", 1500));
    assertThat(
            registry
                .get("tollgate.ratelimit.budget.remaining")
                .tags("limit", "tokens-per-minute", "unit", "requests")
                .gauge()
                .value())
        .isEqualTo(9);
  }

  @Test
  void costBudgetGaugesAreInTheirCurrencyAndNamespaceWideBucketsNameTheNamespace()
      throws IOException {
    serve(Fixtures.multiTeam());
    rls.shouldRateLimit(Requests.reserve("team-a", "assistants", "ci-bot", "fast", "r1", 100_000));
    assertThat(
            registry
                .get("tollgate.ratelimit.budget.remaining")
                .tags("namespace", "team-a", "limit", "monthly-cost", "unit", "USD")
                .gauge()
                .value())
        .isCloseTo(2499.94, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(
            registry
                .get("tollgate.ratelimit.budget.amount")
                .tags("namespace", "team-a", "limit", "monthly-cost")
                .gauge()
                .value())
        .isEqualTo(2500);
    assertThat(
            registry
                .get("tollgate.ratelimit.budget.remaining")
                .tags("namespace", "team-a", "limit", "monthly-cost")
                .gauge()
                .getId()
                .getTag("bucket"))
        .isEqualTo("namespace=team-a");
  }

  @Test
  void unknownDomainIsAnInvalidArgument() throws IOException {
    serve(Fixtures.quickstartWith(TOKENS_AND_REQUESTS));
    assertInvalid(
        reserve("alice", "r1", 10).toBuilder().setDomain("other").build(),
        "unknown domain 'other'");
  }

  @Test
  void malformedDescriptorsAreInvalidArgumentsAndCountNothing() throws IOException {
    serve(Fixtures.quickstartWith(TOKENS_AND_REQUESTS));
    RateLimitRequest withoutRequestId =
        RateLimitRequest.newBuilder()
            .setDomain(Wire.RATE_LIMIT_DOMAIN)
            .addDescriptors(
                Requests.identity(Wire.RESERVE, "default", "chat", "alice", "fast", "x")
                    .removeEntries(5))
            .build();
    assertInvalid(withoutRequestId, "lacks entry 'request_id'");
    assertInvalid(reserve("a".repeat(600), "r1", 10), "is 600 characters long; at most 512");
    assertInvalid(
        Requests.reserve("Default/../x", "chat", "alice", "fast", "r1", 10),
        "is not a Kubernetes namespace name");
    RateLimitRequest unknownPhase =
        RateLimitRequest.newBuilder()
            .setDomain(Wire.RATE_LIMIT_DOMAIN)
            .addDescriptors(Requests.identity("refund", "default", "chat", "alice", "fast", "r1"))
            .build();
    assertInvalid(unknownPhase, "tollgate_phase is 'refund'");
    RateLimitRequest repeated =
        RateLimitRequest.newBuilder()
            .setDomain(Wire.RATE_LIMIT_DOMAIN)
            .addDescriptors(
                Requests.identity(Wire.RESERVE, "default", "chat", "alice", "fast", "r1")
                    .addEntries(Requests.entry(Wire.CLIENT_KEY, "mallory")))
            .build();
    assertInvalid(repeated, "repeats entry 'client'");
    assertThat(service.usage("default", "default-budget").join()).isEmpty();
  }

  @Test
  void absurdOrNegativeHitsAreInvalidArgumentsAndCountNothing() throws IOException {
    serve(Fixtures.quickstartWith(TOKENS_AND_REQUESTS));
    assertInvalid(reserve("alice", "r1", 1L << 40), "hits_addend 1099511627776 is not a token");
    RateLimitRequest negative =
        RateLimitRequest.newBuilder()
            .setDomain(Wire.RATE_LIMIT_DOMAIN)
            .addDescriptors(
                Requests.identity(Wire.RESERVE, "default", "chat", "alice", "fast", "r2")
                    .setHitsAddend(UInt64Value.of(-1)))
            .build();
    assertInvalid(negative, "hits_addend 18446744073709551615");
    assertInvalid(
        commit("alice", "r3", 1, 0, 1, "none").toBuilder()
            .setDescriptors(
                0,
                Requests.identity(Wire.COMMIT, "default", "chat", "alice", "fast", "r3")
                    .addEntries(Requests.entry(Wire.INPUT_TOKENS_KEY, "-5")))
            .build(),
        "input_tokens is '-5'");
    assertInvalid(commit("alice", "r4", 99_000_000_000L, 0, 0, "none"), "input_tokens is");
    assertThat(service.usage("default", "default-budget").join()).isEmpty();
    assertThat(decisions("unknown", "invalid")).isEqualTo(4);
  }

  @Test
  void aRequestWithoutAPerDescriptorEstimateReservesTheRequestLevelHits() throws IOException {
    serve(Fixtures.quickstartWith(TOKENS_AND_REQUESTS));
    RateLimitRequest request =
        RateLimitRequest.newBuilder()
            .setDomain(Wire.RATE_LIMIT_DOMAIN)
            .setHitsAddend(300)
            .addDescriptors(
                Requests.identity(Wire.RESERVE, "default", "chat", "alice", "fast", "r1"))
            .build();
    assertThat(Requests.headers(rls.shouldRateLimit(request)))
        .containsEntry("x-ratelimit-remaining-tokens", "19700");
  }

  @Test
  void failOpenAllowsRequestsWhenTheStoreIsDownAndRetriesCommitsLater() throws IOException {
    FlakyStore flaky = new FlakyStore(MemoryBudgetStore.withDefaults());
    store = flaky;
    serve(Fixtures.quickstartWith(TOKENS_AND_REQUESTS));
    rls.shouldRateLimit(reserve("alice", "r1", 1000));
    flaky.down = true;
    RateLimitResponse response = rls.shouldRateLimit(reserve("alice", "r2", 1000));
    assertThat(response.getOverallCode()).isEqualTo(Code.OK);
    assertThat(response.getResponseHeadersToAddList()).isEmpty();
    rls.shouldRateLimit(commit("alice", "r1", 600, 0, 200, "default/demo"));
    assertThat(service.pendingCommits()).isEqualTo(1);
    assertThat(decisions("reserve", "fail_open")).isEqualTo(1);
    assertThat(decisions("commit", "deferred")).isEqualTo(1);
    assertThat(
            registry
                .get("tollgate.ratelimit.store.errors")
                .tags("store", "memory", "operation", "reserve")
                .counter()
                .count())
        .isEqualTo(1);
    service.maintain();
    assertThat(service.pendingCommits()).isEqualTo(1);
    flaky.down = false;
    service.maintain();
    assertThat(service.pendingCommits()).isZero();
    assertThat(usageOf("default-budget", "tokens-per-minute", "client=alice").used())
        .isEqualByComparingTo("800");
  }

  @Test
  void failClosedRejectsRequestsWhenTheStoreIsDown() throws IOException {
    FlakyStore flaky = new FlakyStore(MemoryBudgetStore.withDefaults());
    store = flaky;
    serve(
        Fixtures.quickstartWith(TOKENS_AND_REQUESTS),
        RateLimitSettings.defaults().withFailureMode(RateLimitSettings.FailureMode.CLOSED));
    flaky.down = true;
    RateLimitResponse response = rls.shouldRateLimit(reserve("alice", "r1", 1000));
    assertThat(response.getOverallCode()).isEqualTo(Code.OVER_LIMIT);
    assertThat(Requests.headers(response)).containsEntry("retry-after", "1");
    flaky.down = false;
    assertThat(rls.shouldRateLimit(reserve("alice", "r2", 1000)).getOverallCode())
        .isEqualTo(Code.OK);
    assertThat(decisions("reserve", "fail_closed")).isEqualTo(1);
  }

  @Test
  void resetTimesAreWrittenTheWayOpenAiWritesThem() {
    assertThat(ResponseHeaders.resetText(Duration.ofMillis(20))).isEqualTo("20ms");
    assertThat(ResponseHeaders.resetText(Duration.ofMillis(1001))).isEqualTo("2s");
    assertThat(ResponseHeaders.resetText(Duration.ofMinutes(6))).isEqualTo("6m0s");
    assertThat(ResponseHeaders.resetText(Duration.ofHours(26).plusSeconds(5))).isEqualTo("26h0m5s");
  }

  private void serve(GatewayModel model) throws IOException {
    serve(model, RateLimitSettings.defaults());
  }

  private void serve(GatewayModel model, RateLimitSettings settings) throws IOException {
    service = new RateLimitService(model, store, settings, clock, registry);
    String name = InProcessServerBuilder.generateName();
    server =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(service)
            .addService(BudgetCalls.service(service))
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    rls = RateLimitServiceGrpc.newBlockingStub(channel);
  }

  private void assertInvalid(RateLimitRequest request, String message) {
    assertThatThrownBy(() -> rls.shouldRateLimit(request))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getStatus().getDescription()).contains(message);
            });
  }

  private BucketUsageReport usageOf(String quota, String limit, String bucket) {
    return service.usage("default", quota).join().stream()
        .filter(r -> r.limit().equals(limit) && r.bucket().equals(bucket))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no bucket " + limit + " " + bucket));
  }

  private BucketUsageReport usage(String namespace, String quota, String limit) {
    return service.usage(namespace, quota).join().stream()
        .filter(r -> r.limit().equals(limit))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no bucket of " + limit));
  }

  private double budget(String gauge, String limit, String bucket) {
    return registry
        .get("tollgate.ratelimit.budget." + gauge)
        .tags("limit", limit, "bucket", bucket)
        .gauge()
        .value();
  }

  private double decisions(String phase, String result) {
    return registry
        .get("tollgate.ratelimit.decisions")
        .tags("phase", phase, "result", result)
        .counter()
        .count();
  }

  private double crossings(String threshold) {
    return registry
        .get("tollgate.ratelimit.budget.crossings")
        .tags("threshold", threshold)
        .counter()
        .count();
  }

  private static RateLimitRequest reserve(String client, String requestId, long hits) {
    return Requests.reserve("default", "chat", client, "fast", requestId, hits);
  }

  private static RateLimitRequest commit(
      String client, String requestId, long input, long cached, long output, String provider) {
    return Requests.commit(
        "default", "chat", client, "fast", requestId, input, cached, output, provider);
  }

  /** A store that fails while {@code down}, like Redis during an outage. */
  private static final class FlakyStore implements BudgetStore {
    private final BudgetStore delegate;
    private volatile boolean down;

    FlakyStore(BudgetStore delegate) {
      this.delegate = delegate;
    }

    @Override
    public String name() {
      return delegate.name();
    }

    @Override
    public CompletableFuture<ReserveResult> reserve(
        String namespace,
        String requestId,
        List<dev.tollgate.ratelimit.store.Charge> charges,
        Instant now,
        Instant expiresAt) {
      return down ? failed() : delegate.reserve(namespace, requestId, charges, now, expiresAt);
    }

    @Override
    public CompletableFuture<CommitResult> commit(
        String namespace,
        String requestId,
        List<dev.tollgate.ratelimit.store.Charge> charges,
        boolean countWithoutReservation,
        Instant now,
        String settlement) {
      return down
          ? failed()
          : delegate.commit(
              namespace, requestId, charges, countWithoutReservation, now, settlement);
    }

    @Override
    public CompletableFuture<Boolean> release(String namespace, String requestId, Instant now) {
      return down ? failed() : delegate.release(namespace, requestId, now);
    }

    @Override
    public CompletableFuture<List<dev.tollgate.ratelimit.store.BucketState>> read(
        String namespace, List<dev.tollgate.ratelimit.store.Charge> charges, Instant now) {
      return down ? failed() : delegate.read(namespace, charges, now);
    }

    @Override
    public CompletableFuture<Long> countFall(
        String namespace, dev.tollgate.ratelimit.store.Charge charge, Instant now) {
      return down ? failed() : delegate.countFall(namespace, charge, now);
    }

    @Override
    public CompletableFuture<List<BucketReading>> usage(String namespace, Instant now) {
      return down ? failed() : delegate.usage(namespace, now);
    }

    @Override
    public CompletableFuture<Long> outstandingReservations(
        Collection<String> namespaces, Instant now) {
      return down ? failed() : delegate.outstandingReservations(namespaces, now);
    }

    @Override
    public void close() {
      delegate.close();
    }

    private static <T> CompletableFuture<T> failed() {
      return CompletableFuture.failedFuture(
          new StoreUnavailableException("the test switched the store off", null));
    }
  }
}
