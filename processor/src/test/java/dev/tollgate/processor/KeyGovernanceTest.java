package dev.tollgate.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.tollgate.testkit.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Per-key model allow-lists, expiry, rotation, and models a Cost limit cannot price. */
class KeyGovernanceTest {
  private static final String OLD_KEY = "tg-test-ci-bot-old-key-0001";
  private static final String NEW_KEY = "tg-test-ci-bot-new-key-0002";
  private static final String INTERN_KEY = "tg-test-intern-key-000003";

  private static final String YAML =
      """
      apiVersion: v1
      kind: Secret
      metadata:
        name: ci-bot-2026-01
        namespace: team-a
        labels: {tollgate.dev/client-key: "true", tollgate.dev/client: ci-bot}
        annotations: {tollgate.dev/expires-at: "2026-03-01T00:00:00Z"}
      stringData: {apiKey: %s}
      ---
      apiVersion: v1
      kind: Secret
      metadata:
        name: ci-bot-2026-02
        namespace: team-a
        labels: {tollgate.dev/client-key: "true", tollgate.dev/client: ci-bot}
      stringData: {apiKey: %s}
      ---
      apiVersion: v1
      kind: Secret
      metadata:
        name: intern
        namespace: team-a
        labels: {tollgate.dev/client-key: "true"}
        annotations: {tollgate.dev/models: "fast"}
      stringData: {apiKey: %s}
      ---
      apiVersion: tollgate.dev/v1alpha1
      kind: ModelProvider
      metadata: {name: priced, namespace: team-a}
      spec:
        type: OpenAICompatible
        endpoint: {url: "http://127.0.0.1:9"}
        models:
          - name: m1
            pricing: {currency: USD, inputPerMillion: "1", outputPerMillion: "2"}
      ---
      apiVersion: tollgate.dev/v1alpha1
      kind: ModelProvider
      metadata: {name: free, namespace: team-a}
      spec:
        type: OpenAICompatible
        endpoint: {url: "http://127.0.0.1:9"}
        models: [{name: llama}]
      ---
      apiVersion: tollgate.dev/v1alpha1
      kind: AIRoute
      metadata: {name: chat, namespace: team-a}
      spec:
        clients: {apiKeys: {secretSelector: {matchLabels: {tollgate.dev/client-key: "true"}}}}
        rules:
          - models: [fast]
            backends: [{provider: {name: priced}, model: m1}]
          - models: [smart]
            backends: [{provider: {name: priced}, model: m1}]
          - models: [llama]
            backends: [{provider: {name: free}, model: llama}]
      ---
      apiVersion: tollgate.dev/v1alpha1
      kind: TokenQuota
      metadata: {name: spend, namespace: team-a}
      spec:
        limits:
          - {name: usd-per-day, type: Cost, currency: USD, amount: "10", window: 1d}
      """
          .formatted(OLD_KEY, NEW_KEY, INTERN_KEY);

  private final Policy policy = Policy.of(TestModels.build(YAML), new TokenEstimator(4096));
  private final MutableClock clock = new MutableClock(Instant.parse("2026-02-20T00:00:00Z"));
  private final Authenticator authenticator = new Authenticator(null, clock);

  private Caller caller(String key) throws Rejection.Exception {
    return authenticator.resolve(policy, head(key)).caller();
  }

  private Rejection refusal(ThrowingCall call) {
    return catchThrowableOfType(Rejection.Exception.class, call::run).rejection();
  }

  private static RequestHead head(String key) {
    return new RequestHead(
        "POST",
        "/v1/chat/completions",
        null,
        Operation.OTHER,
        false,
        -1,
        null,
        "Bearer " + key,
        null,
        1,
        List.of(),
        null,
        null,
        null);
  }

  @Test
  void rotationKeepsBothKeysOfOneClientWorkingUntilTheOldOneExpires() throws Exception {
    assertThat(RequestRouter.route(policy, caller(OLD_KEY), "fast").client()).isEqualTo("ci-bot");
    assertThat(RequestRouter.route(policy, caller(NEW_KEY), "fast").client()).isEqualTo("ci-bot");

    clock.advance(Duration.ofDays(9));

    Rejection expired = refusal(() -> caller(OLD_KEY));
    assertThat(expired.status()).isEqualTo(401);
    assertThat(expired.code()).isEqualTo("key_expired");
    assertThat(expired.message()).contains("2026-03-01T00:00:00Z").doesNotContain(OLD_KEY);
    assertThat(RequestRouter.route(policy, caller(NEW_KEY), "smart").client()).isEqualTo("ci-bot");
  }

  @Test
  void aKeyRestrictedToSomeModelsSeesOnlyThoseAndGetsNotFoundForTheRest() throws Exception {
    Caller intern = caller(INTERN_KEY);

    assertThat(RequestRouter.route(policy, intern, "fast").client()).isEqualTo("intern");
    assertThat(policy.models(intern)).containsExactly("fast");
    Rejection r = refusal(() -> RequestRouter.route(policy, intern, "smart"));
    assertThat(r.status()).isEqualTo(404);
    assertThat(r.code()).isEqualTo("model_not_found");
    assertThat(r.message()).contains("'smart'").doesNotContain("llama");
  }

  @Test
  void refusesAModelTheCostLimitCannotPriceNamingProviderAndModel() throws Exception {
    Caller bot = caller(NEW_KEY);

    Rejection r = refusal(() -> RequestRouter.route(policy, bot, "llama"));

    assertThat(r.status()).isEqualTo(403);
    assertThat(r.code()).isEqualTo("model_not_priced");
    assertThat(r.message())
        .contains("team-a/spend")
        .contains("usd-per-day")
        .contains("ModelProvider team-a/free")
        .contains("'llama'");
    assertThat(RequestRouter.route(policy, bot, "fast").target().unpriced()).isNull();
  }

  @FunctionalInterface
  private interface ThrowingCall {
    void run() throws Exception;
  }
}
