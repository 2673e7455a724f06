package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PromQlTest {

  @Test
  void histogramQuantileReadsTheBucketSeriesAndItsGroupingLabels() {
    PromQl q =
        PromQl.parse(
            "histogram_quantile(0.95, sum by (le, gen_ai_request_model)"
                + " (rate(gen_ai_server_request_duration_seconds_bucket{error_type=\"_none\","
                + " tollgate_namespace=~\"$namespace\"}[$__rate_interval])))");
    assertThat(q.metrics()).containsExactly("gen_ai_server_request_duration_seconds_bucket");
    assertThat(q.selectorLabels())
        .containsExactlyEntriesOf(
            Map.of(
                "gen_ai_server_request_duration_seconds_bucket",
                Set.of("error_type", "tollgate_namespace")));
    assertThat(q.groupingLabels()).containsExactlyInAnyOrder("le", "gen_ai_request_model");
  }

  @Test
  void aggregationsAndFunctionsAreNotMetricsWhereverTheGroupingClauseStands() {
    PromQl q =
        PromQl.parse(
            "3600 * sum(increase(tollgate_ratelimit_cost_committed_total[1h] offset 5m))"
                + " by (namespace, currency) / on (namespace) group_left"
                + " max without (instance) (tollgate_ratelimit_budget_amount) > bool 1e-3");
    assertThat(q.metrics())
        .containsExactlyInAnyOrder(
            "tollgate_ratelimit_cost_committed_total", "tollgate_ratelimit_budget_amount");
    assertThat(q.groupingLabels()).containsExactlyInAnyOrder("namespace", "currency", "instance");
  }

  @Test
  void stringsAndRegexesInMatchersAreNotNames() {
    PromQl q =
        PromQl.parse(
            "label_replace(tollgate_ratelimit_decisions_total{phase=\"reserve\","
                + " result=~\"over_limit|fail_closed\"}, \"kind\", \"$1\", \"result\", \"(.*)\")"
                + " or vector(0)");
    assertThat(q.metrics()).containsExactly("tollgate_ratelimit_decisions_total");
    assertThat(q.labels()).containsExactlyInAnyOrder("phase", "result");
  }

  @Test
  void labelValuesReadsTheSeriesSelectorAndTheLabel() {
    PromQl q =
        PromQl.parse(
            "label_values(gen_ai_server_request_duration_seconds_count{tollgate_namespace=~"
                + "\"$namespace\"}, gen_ai_request_model)");
    assertThat(q.metrics()).containsExactly("gen_ai_server_request_duration_seconds_count");
    assertThat(q.selectorLabels().get("gen_ai_server_request_duration_seconds_count"))
        .containsExactly("tollgate_namespace");
    assertThat(q.groupingLabels()).containsExactly("gen_ai_request_model");

    PromQl labelOnly = PromQl.parse("label_values(tollgate_namespace)");
    assertThat(labelOnly.metrics()).isEmpty();
    assertThat(labelOnly.groupingLabels()).containsExactly("tollgate_namespace");
  }

  @Test
  void binaryOperatorsOfTwoSelectorsKeepEachMetricsOwnMatchers() {
    PromQl q =
        PromQl.parse(
            "100 * min by (namespace, quota) (tollgate_ratelimit_budget_remaining{namespace=~\"a|b\"})"
                + " / max by (namespace, quota) (tollgate_ratelimit_budget_amount{quota!=\"\"})"
                + " unless envoy_http_downstream_rq_xx");
    assertThat(q.metrics())
        .containsExactlyInAnyOrder(
            "tollgate_ratelimit_budget_remaining",
            "tollgate_ratelimit_budget_amount",
            "envoy_http_downstream_rq_xx");
    assertThat(q.selectorLabels().get("tollgate_ratelimit_budget_remaining"))
        .containsExactly("namespace");
    assertThat(q.selectorLabels().get("tollgate_ratelimit_budget_amount")).containsExactly("quota");
    assertThat(q.selectorLabels().get("envoy_http_downstream_rq_xx")).isEmpty();
  }
}
