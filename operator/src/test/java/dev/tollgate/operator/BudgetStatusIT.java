package dev.tollgate.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tollgate.api.v1alpha1.TokenQuota;
import dev.tollgate.api.v1alpha1.TokenQuotaStatus;
import dev.tollgate.model.ProviderPolicy;
import dev.tollgate.ratelimit.BucketUsageReport;
import dev.tollgate.testkit.KubeApiServer;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.ByteArrayInputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A platform quota's status, Events and {@code kubectl} columns on a real kube-apiserver: how many
 * namespaces it covers, its busiest buckets, each limit's state, and one Event per bucket,
 * threshold and window when a bucket passes its warn threshold and when it is exhausted.
 */
class BudgetStatusIT {
  static final String QUOTA =
      """
      apiVersion: tollgate.dev/v1alpha1
      kind: TokenQuota
      metadata: {name: standard-ceiling, namespace: platform}
      spec:
        namespaceSelector:
          matchLabels: {tollgate.dev/tier: standard}
        limits:
          - {name: tokens-per-day, type: Tokens, amount: "1000", window: 1d}
          - {name: requests-per-day, type: Requests, amount: "100", window: 1d}
      """;

  static final Instant WINDOW_END =
      Instant.now().truncatedTo(ChronoUnit.DAYS).plus(1, ChronoUnit.DAYS);

  static KubeApiServer apiServer;
  static KubernetesClient admin;
  static TollgateOperator operator;
  static final AtomicReference<List<BucketUsageReport>> reading = new AtomicReference<>(List.of());

  @BeforeAll
  static void start() {
    apiServer = KubeApiServer.startWithCrds();
    admin = apiServer.adminClient();
    ClusterObjects.createExample(admin, "multi-team");
    admin.load(new ByteArrayInputStream(QUOTA.getBytes(StandardCharsets.UTF_8))).create();
    operator =
        TollgateOperator.start(
            admin,
            OperatorSettings.builder()
                .ads("127.0.0.1", 0)
                .probes("127.0.0.1", -1)
                .providerPolicy(
                    ProviderPolicy.of(
                            List.of(), List.of("vllm.platform.svc.cluster.local:8000"), false)
                        .withPlatformNamespaces(List.of("platform")))
                .leaderElection(false)
                .coalesce(Duration.ofMillis(50))
                .grace(Duration.ZERO)
                .quotaUsageInterval(Duration.ofMillis(300))
                .build(),
            Clock.systemUTC(),
            (namespace, quota) ->
                CompletableFuture.completedFuture(
                    quota.equals("standard-ceiling") ? reading.get() : List.of()),
            () -> {});
  }

  @AfterAll
  static void stop() {
    if (operator != null) {
      operator.close();
    }
    if (admin != null) {
      admin.close();
    }
    if (apiServer != null) {
      apiServer.close();
    }
  }

  static BucketUsageReport tokens(String namespace, long used, long downgraded) {
    return new BucketUsageReport(
        "tokens-per-day",
        "namespace=" + namespace,
        "tokens",
        new BigDecimal(1000),
        new BigDecimal(used),
        BigDecimal.ZERO,
        new BigDecimal(Math.max(0, 1000 - used)),
        used * 100 / 1000,
        WINDOW_END,
        downgraded);
  }

  static TokenQuotaStatus status() {
    TokenQuota quota =
        admin
            .resources(TokenQuota.class)
            .inNamespace("platform")
            .withName("standard-ceiling")
            .get();
    return quota.getStatus();
  }

  static List<Event> events(String reason) {
    return admin.v1().events().inNamespace("platform").list().getItems().stream()
        .filter(e -> "standard-ceiling".equals(e.getInvolvedObject().getName()))
        .filter(e -> reason.equals(e.getReason()))
        .toList();
  }

  @Test
  void aPlatformQuotaShowsItsNamespacesBusiestBucketsLimitStatesAndRaisesEachCrossingOnce()
      throws Exception {
    reading.set(List.of(tokens("team-a", 850, 3), tokens("team-c", 100, 0)));
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              TokenQuotaStatus s = status();
              assertThat(s).isNotNull();
              assertThat(s.namespaces).as("namespaces covered").isEqualTo(2);
              assertThat(s.busiestBuckets).isEqualTo("namespace=team-a 85%, namespace=team-c 10%");
              assertThat(s.downgraded).isEqualTo(3);
              assertThat(s.limits)
                  .extracting(l -> l.name + "=" + l.state)
                  .containsExactly("tokens-per-day=Warning", "requests-per-day=Ok");
              assertThat(events(BudgetEvents.WARNING)).hasSize(1);
            });
    Event warning = events(BudgetEvents.WARNING).get(0);
    assertThat(warning.getType()).isEqualTo("Warning");
    assertThat(warning.getMessage())
        .contains("limit tokens-per-day for namespace=team-a is past its warn threshold of 80%")
        .contains("850 of 1000 tokens (85%)")
        .contains("3 requests fell to a cheaper tier");

    reading.set(List.of(tokens("team-a", 1000, 3), tokens("team-c", 100, 0)));
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              assertThat(status().limits.get(0).state).isEqualTo("Exhausted");
              assertThat(events(BudgetEvents.EXHAUSTED)).hasSize(1);
            });
    // Later readings of the same window raise nothing again.
    long reconciles = 5;
    for (int i = 0; i < reconciles; i++) {
      reading.set(List.of(tokens("team-a", 1000, 3 + i), tokens("team-c", 100, 0)));
      long expected = 3 + i;
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> Long.valueOf(expected).equals(status().downgraded));
    }
    assertThat(events(BudgetEvents.WARNING)).hasSize(1);
    assertThat(events(BudgetEvents.EXHAUSTED)).hasSize(1);

    Path kubeconfig =
        apiServer.writeKubeConfig(Files.createTempFile("budget-status", ".kubeconfig"));
    String table = kubectl(kubeconfig, "get", "tq", "-n", "platform");
    assertThat(table.lines().findFirst().orElse(""))
        .contains("NAMESPACES")
        .contains("BUSIEST")
        .contains("USED");
    assertThat(table)
        .contains("standard-ceiling")
        .contains("namespace=team-a 100%, namespace=team-c 10%");
    // The Namespaces column: the quota covers team-a and team-c.
    assertThat(table.lines().skip(1).findFirst().orElse("")).containsPattern("\\s2(\\s|$)");
    assertThat(kubectl(kubeconfig, "get", "tq", "-n", "platform", "-o", "wide"))
        .contains("DOWNGRADED");
    String described = kubectl(kubeconfig, "describe", "tq", "-n", "platform", "standard-ceiling");
    assertThat(described)
        .contains("Limits:")
        .contains("Exhausted")
        .contains("BudgetExhausted")
        .contains("BudgetWarning");
  }

  static String kubectl(Path kubeconfig, String... args) throws Exception {
    List<String> command = new java.util.ArrayList<>();
    command.add(KubeApiServer.kubectl().toString());
    command.add("--kubeconfig=" + kubeconfig);
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(30, TimeUnit.SECONDS))
        .as("kubectl %s exits", List.of(args))
        .isTrue();
    assertThat(process.exitValue()).as("kubectl %s: %s", List.of(args), out).isZero();
    return out;
  }
}
