package dev.tollgate.ratelimit;

import static dev.tollgate.ratelimit.Fixtures.limit;
import static dev.tollgate.ratelimit.Fixtures.quota;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.api.v1alpha1.LimitType;
import dev.tollgate.api.v1alpha1.Window;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class BudgetPolicyTest {
  private static final Instant NOW = Instant.parse("2026-03-10T10:00:30Z");
  private static final BudgetPolicy MULTI_TEAM = BudgetPolicy.of(Fixtures.multiTeam());
  private static final RequestIdentity TEAM_A_FAST =
      new RequestIdentity("team-a", "assistants", "ci-bot", "fast");

  @Test
  void everyQuotaOfTheNamespaceAppliesToARouteUnlessItNamesOtherRoutes() {
    assertThat(MULTI_TEAM.budgets("team-a", "assistants"))
        .extracting(b -> b.limit().name())
        .containsExactly("tokens-per-client-minute", "smart-tokens-per-day", "monthly-cost");
    assertThat(MULTI_TEAM.budgets("team-a", "a-route-added-later")).hasSize(3);
    assertThat(MULTI_TEAM.budgets("team-x", "assistants")).isEmpty();

    BudgetPolicy named =
        BudgetPolicy.of(
            Fixtures.quickstartWith(
                quota("only-chat", "Enforce", "UTC", limit("t", "Tokens", "10", "1m", ""))
                    .replace("spec:\n", "spec:\n  routes: [chat]\n")));
    assertThat(named.budgets("default", "chat")).hasSize(1);
    assertThat(named.budgets("default", "embeddings")).isEmpty();
  }

  @Test
  void bucketsArePerNamespacePerClientPerModelOrPerBoth() {
    List<PlannedCharge> charges = MULTI_TEAM.reserve(TEAM_A_FAST, 100, NOW);
    long minute = Instant.parse("2026-03-10T10:00:00Z").getEpochSecond();
    long berlinDay = Instant.parse("2026-03-09T23:00:00Z").getEpochSecond();
    long berlinMonth = Instant.parse("2026-02-28T23:00:00Z").getEpochSecond();
    assertThat(charges)
        .extracting(c -> c.bucket().id())
        .containsExactly(
            "team-a-budgets/tokens-per-client-minute/Tokens/1m/" + minute + "/client=ci-bot",
            "team-a-budgets/smart-tokens-per-day/Tokens/1d/" + berlinDay + "/model=fast",
            "team-a-budgets/monthly-cost/Cost/Month/" + berlinMonth + "/-");
    assertThat(charges)
        .extracting(c -> c.bucket().label())
        .containsExactly("client=ci-bot", "model=fast", "namespace=team-a");

    List<PlannedCharge> teamB =
        MULTI_TEAM.reserve(
            new RequestIdentity("team-b", "claims", "claims-service", "smart"), 1, NOW);
    assertThat(teamB.get(1).bucket().label()).isEqualTo("client=claims-service,model=smart");
  }

  @Test
  void bucketKeysDoNotDependOnTheAmountSoAChangedLimitKeepsItsUsage() {
    RequestIdentity alice = new RequestIdentity("default", "chat", "alice", "fast");
    BudgetPolicy before =
        BudgetPolicy.of(
            Fixtures.quickstartWith(
                quota("q", "Enforce", "UTC", limit("tokens", "Tokens", "20000", "1m", "Client"))));
    BudgetPolicy after =
        BudgetPolicy.of(
            Fixtures.quickstartWith(
                quota("q", "Warn", "UTC", limit("tokens", "Tokens", "500", "1m", "Client"))));
    PlannedCharge a = before.reserve(alice, 10, NOW).get(0);
    PlannedCharge b = after.reserve(alice, 10, NOW).get(0);
    assertThat(b.bucket().id()).isEqualTo(a.bucket().id());
    assertThat(b.budget().limitUnits()).isEqualTo(500);
    assertThat(a.budget().limitUnits()).isEqualTo(20000);
  }

  @Test
  void bucketIdsRoundTripWhateverCharactersClientsAndModelsUse() {
    BucketKey key =
        new BucketKey(
            "team-a",
            "team-a",
            "q",
            "l",
            LimitType.Tokens,
            Window.MONTH,
            1_772_319_600L,
            "a/b,c=d{x}:%",
            "m 1ü");
    assertThat(key.id()).doesNotContain("{").doesNotContain("}").hasSize(key.id().length());
    assertThat(key.id().split("/")).hasSize(6);
    assertThat(BucketKey.parse("team-a", key.id())).contains(key);
    assertThat(BucketKey.parse("team-a", "not/a/key")).isEmpty();
  }

  @Test
  void reserveChargesTheEstimateToEveryTokenBudgetAndOneToRequestBudgets() {
    BudgetPolicy policy =
        BudgetPolicy.of(
            Fixtures.quickstartWith(
                quota(
                    "q",
                    "Enforce",
                    "UTC",
                    limit("t", "Tokens", "100000", "1m", "Client")
                        + limit("i", "InputTokens", "100000", "1h", "")
                        + limit("o", "OutputTokens", "100000", "1d", "Model")
                        + limit("r", "Requests", "100", "1d", "Client, Model"))));
    RequestIdentity alice = new RequestIdentity("default", "chat", "alice", "fast");
    assertThat(policy.reserve(alice, 1200, NOW))
        .extracting(PlannedCharge::amount)
        .containsExactly(1200L, 1200L, 1200L, 1L);
    assertThat(policy.commit(alice, new Usage(1000, 200, 300, "default/demo"), NOW))
        .extracting(PlannedCharge::amount)
        .containsExactly(1300L, 1000L, 300L, 1L);
  }

  @Test
  void reservationCostUsesTheHighestPriceAmongTheBackendsServingTheRequestedModel() {
    // fast → gpt-4o-mini (0.15/0.60), llama (0.02/0.04), Azure gpt-4o-mini (0.15/0.60): 0.60.
    assertThat(costCharge(MULTI_TEAM.reserve(TEAM_A_FAST, 1_000_000, NOW)))
        .isEqualTo(units("0.60"));
    // smart → gpt-4o at 2.50/10.00.
    RequestIdentity smart = new RequestIdentity("team-a", "assistants", "ci-bot", "smart");
    assertThat(costCharge(MULTI_TEAM.reserve(smart, 1_000_000, NOW))).isEqualTo(units("10"));
  }

  @Test
  void commitCostUsesTheServedProvidersPricesWithCachedInputAtTheCachedPrice() {
    Usage openai = new Usage(100_000, 20_000, 50_000, "platform/openai");
    // 80,000 × 0.15 + 20,000 × 0.075 + 50,000 × 0.60 per million.
    assertThat(MULTI_TEAM.cost(TEAM_A_FAST, openai))
        .hasValueSatisfying(
            m -> {
              assertThat(m.currency()).isEqualTo("USD");
              assertThat(m.amount()).isEqualByComparingTo("0.0435");
            });
    assertThat(costCharge(MULTI_TEAM.commit(TEAM_A_FAST, openai, NOW))).isEqualTo(units("0.0435"));
    Usage vllm = new Usage(100_000, 0, 50_000, "platform/vllm");
    assertThat(costCharge(MULTI_TEAM.commit(TEAM_A_FAST, vllm, NOW))).isEqualTo(units("0.004"));
    Usage unknown = new Usage(100_000, 0, 50_000, null);
    assertThat(costCharge(MULTI_TEAM.commit(TEAM_A_FAST, unknown, NOW))).isEqualTo(units("0.09"));
  }

  @Test
  void cacheWritesArePricedAtTheCacheWritePrice() {
    // The quickstart's demo-claude: input 3, cache read 0.30, cache write 3.75, output 15.
    BudgetPolicy policy =
        BudgetPolicy.of(
            Fixtures.quickstartWith(
                Fixtures.quota(
                    "q", "Enforce", "UTC", Fixtures.limit("c", "Cost", "100", "1d", ""))));
    RequestIdentity claude = new RequestIdentity("default", "chat", "alice", "demo-claude");
    Usage usage = new Usage(100_000, 20_000, 30_000, 10_000, "default/demo-anthropic");
    // 50,000 × 3 + 20,000 × 0.30 + 30,000 × 3.75 + 10,000 × 15 per million.
    assertThat(policy.cost(claude, usage))
        .hasValueSatisfying(m -> assertThat(m.amount()).isEqualByComparingTo("0.4185"));
  }

  @Test
  void costsAreRoundedUpToTheNextBillionthSoABudgetIsNeverUndercharged() {
    assertThat(Units.costOf(1, new BigDecimal("0.075"))).isEqualTo(75);
    assertThat(Units.costOf(1, new BigDecimal("0.0001"))).isEqualTo(1);
    assertThat(Units.costOf(0, new BigDecimal("10"))).isZero();
    assertThat(Units.ofAmount(LimitType.Cost, new BigDecimal("2500.00")))
        .isEqualTo(2_500_000_000_000L);
    assertThat(Units.ofAmount(LimitType.Tokens, new BigDecimal("1e30"))).isEqualTo(Units.MAX);
    assertThat(Units.toAmount(LimitType.Cost, 43_500_000)).isEqualByComparingTo("0.0435");
    assertThat(Units.toAmount(LimitType.Cost, 2_000_000_000L).toPlainString()).isEqualTo("2");
  }

  @Test
  void softThresholdIsThePercentOfTheBudgetRoundedUp() {
    assertThat(MULTI_TEAM.budgets("team-a", "assistants").get(0).warnAtUnits()).isEqualTo(160_000);
    assertThat(Units.percentOf(3, 50)).isEqualTo(2);
    assertThat(Units.percentOf(3600, 90)).isEqualTo(3240);
  }

  @Test
  void metricsNameOnlyModelsTheRouteServes() {
    assertThat(MULTI_TEAM.knownModel(TEAM_A_FAST)).isEqualTo("fast");
    assertThat(
            MULTI_TEAM.knownModel(new RequestIdentity("team-a", "assistants", "ci-bot", "x-123")))
        .isEqualTo("other");
  }

  private static long costCharge(List<PlannedCharge> charges) {
    return charges.stream()
        .filter(c -> c.budget().limit().type() == LimitType.Cost)
        .findFirst()
        .orElseThrow()
        .amount();
  }

  private static long units(String currency) {
    return Units.costUnits(new BigDecimal(currency));
  }
}
