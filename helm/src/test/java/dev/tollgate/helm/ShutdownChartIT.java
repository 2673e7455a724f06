package dev.tollgate.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * How the processor and the rate-limit Pods stop without failing calls ({@code shutdown}): a
 * preStop pause while DNS and Envoy drop the Pod, the role's own pause and drain on SIGTERM, and a
 * grace period that covers the three.
 */
class ShutdownChartIT {
  private static JsonNode pod(List<String> values, String component) {
    for (JsonNode object : Manifests.parse(ChartIT.render(values))) {
      if (Manifests.name(object).equals("Deployment tollgate-" + component)) {
        return object.at("/spec/template/spec");
      }
    }
    throw new AssertionError("no Deployment tollgate-" + component);
  }

  private static List<String> args(JsonNode pod) {
    List<String> out = new ArrayList<>();
    pod.at("/containers/0/args").forEach(a -> out.add(a.asText()));
    return out;
  }

  @Test
  void byDefaultEachRolePausesThenDrainsWithinItsGracePeriod() {
    JsonNode processor = pod(List.of(), "processor");
    assertThat(processor.at("/containers/0/lifecycle/preStop/sleep/seconds").asInt()).isEqualTo(10);
    assertThat(args(processor)).contains("--shutdown-delay-seconds=5", "--drain-seconds=30");
    assertThat(processor.path("terminationGracePeriodSeconds").asInt()).isEqualTo(10 + 5 + 30 + 5);
    JsonNode rateLimit = pod(List.of(), "ratelimit");
    assertThat(rateLimit.at("/containers/0/lifecycle/preStop/sleep/seconds").asInt()).isEqualTo(10);
    assertThat(args(rateLimit)).contains("--shutdown-delay-seconds=5", "--drain-seconds=10");
    assertThat(rateLimit.path("terminationGracePeriodSeconds").asInt()).isEqualTo(10 + 5 + 10 + 5);
  }

  @Test
  void aZeroPreStopLeavesTheHookOutAndTheGracePeriodFollowsTheValues() {
    JsonNode rateLimit =
        pod(
            List.of(
                "--set",
                "rateLimit.shutdown.preStopSeconds=0",
                "--set",
                "rateLimit.shutdown.drainSeconds=60"),
            "ratelimit");
    assertThat(rateLimit.at("/containers/0/lifecycle").isMissingNode()).isTrue();
    assertThat(args(rateLimit)).contains("--drain-seconds=60");
    assertThat(rateLimit.path("terminationGracePeriodSeconds").asInt()).isEqualTo(5 + 60 + 5);
  }

  @Test
  void aNegativeDrainIsRefusedNamingTheValue() {
    Tools.Result result =
        ChartIT.helm(
            List.of(
                "template",
                "tollgate",
                ChartIT.CHART.toString(),
                "--set",
                "processor.shutdown.drainSeconds=-1"));
    assertThat(result.exitCode()).isNotZero();
    assertThat(result.stderr().replace("/", ".")).contains("processor.shutdown.drainSeconds");
  }
}
