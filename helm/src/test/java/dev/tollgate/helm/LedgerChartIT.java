package dev.tollgate.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The processor's usage ledger and the operator's audit trail in the chart: the database connection
 * comes from a Secret, as environment variables the kubelet fills, and the processor's spool gets a
 * volume of its own.
 */
class LedgerChartIT {

  private static JsonNode processor(List<String> values) {
    return deployment("-processor", values);
  }

  private static JsonNode deployment(String suffix, List<String> values) {
    for (JsonNode object : Manifests.parse(ChartIT.render(values))) {
      if (object.path("kind").asText().equals("Deployment")
          && object.path("metadata").path("name").asText().endsWith(suffix)) {
        return object.path("spec").path("template").path("spec");
      }
    }
    throw new AssertionError("no " + suffix + " Deployment rendered with " + values);
  }

  @Test
  void theSecretGivesTheOperatorTheAuditTrailsDatabaseAndWithoutItNone() {
    assertThat(deployment("-operator", List.of()).toString()).doesNotContain("TOLLGATE_LEDGER");
    JsonNode container =
        deployment("-operator", List.of("--set", "ledger.database.secretName=finance-db"))
            .path("containers")
            .get(0);
    assertThat(texts(container.path("args")))
        .contains(
            "--ledger-database=$(TOLLGATE_LEDGER_URL)", "--ledger-user=$(TOLLGATE_LEDGER_USER)")
        .noneMatch(a -> a.startsWith("--ledger-dir"));
    assertThat(container.path("env").toString())
        .contains("\"TOLLGATE_LEDGER_PASSWORD\"")
        .contains("\"finance-db\"")
        .doesNotContain("\"value\":\"jdbc");
  }

  private static JsonNode object(String kind, String suffix, List<String> values) {
    for (JsonNode object : Manifests.parse(ChartIT.render(values))) {
      if (object.path("kind").asText().equals(kind)
          && object.path("metadata").path("name").asText().endsWith(suffix)) {
        return object;
      }
    }
    throw new AssertionError("no " + suffix + " " + kind + " rendered with " + values);
  }

  @Test
  void withALedgerTheOperatorServesItsReportsOnAPortNoPodReachesUnlessNamed() {
    List<String> none = List.of();
    assertThat(object("Service", "-operator", none).toString()).doesNotContain("9091");
    assertThat(object("NetworkPolicy", "-operator", none).toString()).doesNotContain("9091");
    List<String> ledger = List.of("--set", "ledger.database.secretName=finance-db");
    JsonNode container = deployment("-operator", ledger).path("containers").get(0);
    assertThat(texts(container.path("args"))).contains("--usage-port=9091");
    assertThat(texts(container.path("ports")))
        .anyMatch(p -> p.contains("\"usage\"") && p.contains("9091"));
    assertThat(texts(object("Service", "-operator", ledger).path("spec").path("ports")))
        .anyMatch(p -> p.contains("\"usage\"") && p.contains("9091"));
    assertThat(object("NetworkPolicy", "-operator", ledger).toString())
        .as("no Pod reaches the reports by default (kubectl port-forward does)")
        .doesNotContain("9091");
    JsonNode opened =
        object(
            "NetworkPolicy",
            "-operator",
            List.of(
                "--set",
                "ledger.database.secretName=finance-db",
                "--set-json",
                "networkPolicy.usageReportsFrom=[{\"podSelector\":{\"matchLabels\":"
                    + "{\"app\":\"finance\"}}}]"));
    assertThat(texts(opened.path("spec").path("ingress")))
        .anyMatch(
            rule ->
                rule.contains("9091")
                    && rule.contains("\"finance\"")
                    && !rule.contains("18000")
                    && !rule.contains("8080"));
  }

  private static List<String> texts(JsonNode array) {
    List<String> texts = new ArrayList<>();
    array.forEach(n -> texts.add(n.isTextual() ? n.asText() : n.toString()));
    return texts;
  }

  @Test
  void withoutASecretTheProcessorKeepsNoLedger() {
    JsonNode pod = processor(List.of());
    assertThat(texts(pod.path("containers").get(0).path("args")))
        .noneMatch(a -> a.startsWith("--ledger"));
    assertThat(pod.toString()).doesNotContain("TOLLGATE_LEDGER").doesNotContain("ledger-spool");
  }

  @Test
  void theSecretGivesTheProcessorItsDatabaseAndTheSpoolAVolume() {
    JsonNode pod =
        processor(
            List.of(
                "--set", "ledger.database.secretName=finance-db",
                "--set", "ledger.database.passwordKey=pw",
                "--set", "ledger.retentionMonths=13"));
    JsonNode container = pod.path("containers").get(0);
    assertThat(texts(container.path("args")))
        .contains(
            "--ledger-database=$(TOLLGATE_LEDGER_URL)",
            "--ledger-user=$(TOLLGATE_LEDGER_USER)",
            "--ledger-dir=/var/lib/tollgate/ledger",
            "--ledger-retention-months=13");
    List<String> fromSecret = new ArrayList<>();
    for (JsonNode env : container.path("env")) {
      JsonNode ref = env.path("valueFrom").path("secretKeyRef");
      if (env.path("name").asText().startsWith("TOLLGATE_LEDGER_")) {
        assertThat(env.has("value")).as("%s is a plain value", env.path("name")).isFalse();
        fromSecret.add(
            env.path("name").asText()
                + "="
                + ref.path("name").asText()
                + "/"
                + ref.path("key").asText());
      }
    }
    assertThat(fromSecret)
        .containsExactly(
            "TOLLGATE_LEDGER_URL=finance-db/url",
            "TOLLGATE_LEDGER_USER=finance-db/user",
            "TOLLGATE_LEDGER_PASSWORD=finance-db/pw");
    assertThat(texts(container.path("volumeMounts")))
        .anyMatch(m -> m.contains("\"ledger-spool\"") && m.contains("/var/lib/tollgate/ledger"));
    assertThat(texts(pod.path("volumes")))
        .anyMatch(v -> v.contains("\"ledger-spool\"") && v.contains("1280Mi"));
  }

  @Test
  void aNegativeRetentionIsRefusedNamingTheValue() {
    Tools.Result result =
        ChartIT.helm(
            List.of(
                "template",
                "tollgate",
                ChartIT.CHART.toString(),
                "--set",
                "ledger.retentionMonths=-1"));
    assertThat(result.exitCode()).isNotZero();
    assertThat(result.stderr()).contains("retentionMonths");
  }
}
