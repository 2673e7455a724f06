package dev.tollgate.processor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.testkit.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExhaustedBudgetsTest {
  static final Instant NOW = Instant.parse("2026-03-10T10:00:20Z");
  static final long WINDOW_END = Instant.parse("2026-03-10T10:01:00Z").getEpochSecond();

  final MutableClock clock = new MutableClock(NOW);
  final ExhaustedBudgets budgets = new ExhaustedBudgets(clock, 2);

  static Caller key(String namespace, String client) {
    return new Caller(Caller.API_KEY, namespace, client, List.of(), Map.of());
  }

  static String header(String scope) {
    return "scope=" + scope + ";until=" + WINDOW_END + ";family=requests;limit=2";
  }

  @Test
  void aClientBudgetRefusesThatClientUntilItsWindowEndsWithTheBudgetsHeaders() {
    budgets.learn("team", "bob", header("client"));

    ExhaustedBudgets.Exhausted refusing = budgets.refusing(key("team", "bob"));
    assertThat(refusing).isNotNull();
    assertThat(refusing.headers(NOW))
        .extracting(h -> h[0] + ": " + h[1])
        .containsExactly(
            "x-ratelimit-limit-requests: 2",
            "x-ratelimit-remaining-requests: 0",
            "x-ratelimit-reset-requests: 40s",
            "retry-after: 40");
    assertThat(budgets.refusing(key("team", "carol"))).isNull();
    assertThat(budgets.refusing(key("other", "bob"))).isNull();

    clock.advance(Duration.ofSeconds(40));
    assertThat(budgets.refusing(key("team", "bob"))).as("the window has ended").isNull();
    assertThat(budgets.size("team")).isZero();
  }

  @Test
  void aNamespaceBudgetRefusesEveryClientOfTheNamespace() {
    budgets.learn("team", "bob", header("namespace"));

    assertThat(budgets.refusing(key("team", "carol"))).isNotNull();
    assertThat(budgets.refusing(new Caller(Caller.JWT, null, null, List.of(), Map.of())))
        .as("a caller whose namespace is only known from the model")
        .isNull();
  }

  @Test
  void unreadableOrEndedHeadersAreIgnored() {
    for (String bad :
        List.of(
            "scope=client;until=x;family=requests;limit=2",
            "scope=model;until=" + WINDOW_END + ";family=requests;limit=2",
            "scope=client;until=" + WINDOW_END + ";family=cost;limit=2",
            "scope=client;until=" + WINDOW_END + ";family=tokens;limit=<script>",
            "scope=client;until=" + NOW.minusSeconds(1).getEpochSecond() + ";family=tokens;limit=2",
            "")) {
      budgets.learn("team", "bob", bad);
    }
    assertThat(budgets.size("team")).isZero();
  }

  @Test
  void aNamespaceKeepsAtMostItsBoundAndANewModelForgetsEverything() {
    budgets.learn("team", "a", header("client"));
    budgets.learn("team", "b", header("client"));
    budgets.learn("team", "c", header("client"));

    assertThat(budgets.size("team")).isEqualTo(2);
    assertThat(budgets.refusing(key("team", "c")))
        .as("beyond the bound: refused after the body")
        .isNull();

    budgets.clear();
    assertThat(budgets.refusing(key("team", "a"))).isNull();
  }
}
