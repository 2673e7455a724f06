package dev.tollgate.processor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.model.GatewayModel;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Where the output reserve of a request without an output cap comes from, and its bounds. */
class OutputReservesTest {
  static final TokenEstimator ESTIMATOR = new TokenEstimator(4096);

  static String yaml(String fixedReserve, String upstreamModel) {
    return """
        apiVersion: tollgate.dev/v1alpha1
        kind: ModelProvider
        metadata: {name: local, namespace: ai}
        spec:
          type: OpenAICompatible
          endpoint: {url: "http://127.0.0.1:9000"}
          models: [{name: m1}, {name: m2}]
        ---
        apiVersion: v1
        kind: Secret
        metadata: {name: bob, namespace: ai, labels: {tollgate.dev/client-key: "true"}}
        stringData: {apiKey: tg-test-bob-key-000009}
        ---
        apiVersion: tollgate.dev/v1alpha1
        kind: AIRoute
        metadata: {name: chat, namespace: ai}
        spec:
          clients: {apiKeys: {secretSelector: {matchLabels: {tollgate.dev/client-key: "true"}}}}
          rules:
            - models: [fixed]
              backends: [{provider: {name: local}, model: m1}]
              %s
            - models: [sized]
              backends: [{provider: {name: local}, model: %s}]
        """
        .formatted(
            fixedReserve == null ? "" : "reserveOutputTokens: " + fixedReserve, upstreamModel);
  }

  final OutputReserves reserves = new OutputReserves();

  Policy.Target apply(GatewayModel model, String requested) {
    reserves.update(model);
    return Policy.of(model, ESTIMATOR).target("ai", requested);
  }

  static ModelRequest uncapped(Policy.Target target, OutputReserves.Source source, int choices) {
    return new ModelRequest(target, "bob", false, 10, 0, 4096, 0, choices, source, List.of(), null);
  }

  void complete(Policy.Target target, int times, long output) {
    for (int i = 0; i < times; i++) {
      reserves.observe(uncapped(target, OutputReserves.Source.CAP, 1), 200, true, output);
    }
  }

  @Test
  void theRulesReserveAppliesBoundedByTheWrittenCap() {
    GatewayModel model = TestModels.build(yaml("512", "m2"));
    Policy.Target fixed = apply(model, "fixed");
    assertThat(reserves.forUncapped(fixed, 4096))
        .isEqualTo(new OutputReserves.Reserve(512, OutputReserves.Source.RULE));
    // A context window leaving less than the rule's reserve: the cap written is the bound.
    assertThat(reserves.forUncapped(fixed, 300))
        .isEqualTo(new OutputReserves.Reserve(300, OutputReserves.Source.RULE));
  }

  @Test
  void withoutHistoryTheReserveIsTheWrittenCapThenThePercentileOfRecentCompletions() {
    Policy.Target sized = apply(TestModels.build(yaml(null, "m2")), "sized");
    assertThat(reserves.forUncapped(sized, 4096))
        .isEqualTo(new OutputReserves.Reserve(4096, OutputReserves.Source.CAP));
    complete(sized, CompletionHistogram.MIN_SAMPLES, 30);
    assertThat(reserves.forUncapped(sized, 4096))
        .isEqualTo(new OutputReserves.Reserve(33, OutputReserves.Source.HISTORY));
    // Never above the cap written for this request.
    assertThat(reserves.forUncapped(sized, 20))
        .isEqualTo(new OutputReserves.Reserve(20, OutputReserves.Source.HISTORY));
  }

  @Test
  void onlyCompleteSuccessfulAnswersToUncappedRequestsAreHistory() {
    Policy.Target sized = apply(TestModels.build(yaml(null, "m2")), "sized");
    for (int i = 0; i < 50; i++) {
      reserves.observe(uncapped(sized, OutputReserves.Source.REQUEST, 1), 200, true, 7);
      reserves.observe(uncapped(sized, OutputReserves.Source.CAP, 1), 500, true, 7);
      reserves.observe(uncapped(sized, OutputReserves.Source.CAP, 1), 200, false, 7);
      reserves.observe(uncapped(sized, OutputReserves.Source.NONE, 1), 200, true, 7);
      reserves.observe(null, 200, true, 7);
    }
    assertThat(reserves.forUncapped(sized, 4096).source()).isEqualTo(OutputReserves.Source.CAP);
  }

  @Test
  void historyIsPerChoice() {
    Policy.Target sized = apply(TestModels.build(yaml(null, "m2")), "sized");
    for (int i = 0; i < CompletionHistogram.MIN_SAMPLES; i++) {
      reserves.observe(uncapped(sized, OutputReserves.Source.HISTORY, 4), 200, true, 120);
    }
    assertThat(reserves.forUncapped(sized, 4096).perChoice()).isEqualTo(33);
  }

  @Test
  void historySurvivesAModelUpdateUnlessTheRuleSendsToOtherUpstreamModels() {
    Policy.Target sized = apply(TestModels.build(yaml(null, "m2")), "sized");
    complete(sized, CompletionHistogram.MIN_SAMPLES, 30);
    sized = apply(TestModels.build(yaml("100", "m2")), "sized");
    assertThat(reserves.forUncapped(sized, 4096).perChoice()).isEqualTo(33);
    sized = apply(TestModels.build(yaml(null, "m1")), "sized");
    assertThat(reserves.forUncapped(sized, 4096))
        .isEqualTo(new OutputReserves.Reserve(4096, OutputReserves.Source.CAP));
  }
}
