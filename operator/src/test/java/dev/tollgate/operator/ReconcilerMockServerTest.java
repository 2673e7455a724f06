package dev.tollgate.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tollgate.api.v1alpha1.AIRoute;
import dev.tollgate.api.v1alpha1.ModelProvider;
import dev.tollgate.api.v1alpha1.TokenQuota;
import dev.tollgate.api.v1alpha1.TokenQuotaStatus;
import dev.tollgate.model.ProviderPolicy;
import dev.tollgate.ratelimit.BucketUsageReport;
import dev.tollgate.testkit.MutableClock;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The reconcilers' own logic on Fabric8's mock API server: a status is written when it changes and
 * not otherwise, a condition keeps its lastTransitionTime while its status stays, and quota usage
 * is read at most once per interval.
 */
@EnableKubernetesMockClient(crud = true)
class ReconcilerMockServerTest {
  static final Instant T1 = Instant.parse("2026-03-01T10:00:00Z");

  KubernetesClient client;
  final MutableClock clock = new MutableClock(T1);
  final AtomicInteger usageReads = new AtomicInteger();
  TollgateOperator operator;

  @BeforeEach
  void start() {
    client
        .namespaces()
        .resource(
            new NamespaceBuilder().withNewMetadata().withName("default").endMetadata().build())
        .create();
    ClusterObjects.createAll(client, TestModels.snapshot(TestModels.example("quickstart")));
    operator = start(OperatorSettings.builder());
    await().atMost(Duration.ofSeconds(10)).until(() -> accepted(route()) && accepted(quota()));
  }

  TollgateOperator start(OperatorSettings.Builder settings) {
    return TollgateOperator.start(
        client,
        settings
            .ads("127.0.0.1", 0)
            .probes("127.0.0.1", -1)
            // The quickstart's provider is the loopback demo upstream, refused by default.
            .providerPolicy(ProviderPolicy.of(List.of(), List.of("127.0.0.1:10003"), false))
            .leaderElection(false)
            .statusWithServerSideApply(false)
            .coalesce(Duration.ofMillis(10))
            .grace(Duration.ZERO)
            .quotaUsageInterval(Duration.ofMillis(300))
            .build(),
        clock,
        (namespace, quota) -> {
          usageReads.incrementAndGet();
          return CompletableFuture.completedFuture(
              List.of(
                  new BucketUsageReport(
                      "tokens-per-minute",
                      "client=alice",
                      "tokens",
                      new BigDecimal("20000"),
                      new BigDecimal("15000"),
                      BigDecimal.ZERO,
                      new BigDecimal("5000"),
                      75,
                      T1.plusSeconds(60))));
        },
        () -> {});
  }

  @AfterEach
  void stop() {
    operator.close();
  }

  @Test
  void anOperatorWatchingOtherNamespacesLeavesTheseAlone() throws Exception {
    operator.close();
    ClusterObjects.createAll(
        client,
        TestModels.snapshot(
            TestModels.example("quickstart").replace("namespace: default", "namespace: elsewhere")
                + "\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: elsewhere}\n"));
    String version = route().getMetadata().getResourceVersion();

    operator = start(OperatorSettings.builder().namespaces(Set.of("elsewhere")));

    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                accepted(
                    client
                        .resources(AIRoute.class)
                        .inNamespace("elsewhere")
                        .withName("chat")
                        .get()));
    assertThat(operator.publishedVersion()).isPresent();
    Thread.sleep(300);
    assertThat(route().getMetadata().getResourceVersion()).isEqualTo(version);
  }

  @Test
  void aSecretSelectorHidesTheSecretsItDoesNotMatch() {
    operator.close();

    operator = start(OperatorSettings.builder().secretSelector("tollgate.dev/client-key=true"));

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              var provider =
                  client
                      .resources(ModelProvider.class)
                      .inNamespace("default")
                      .withName("demo")
                      .get();
              assertThat(condition(provider, "ResolvedRefs").getReason())
                  .isEqualTo("SecretNotFound");
            });
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(condition(route(), "Accepted").getReason()).isEqualTo("UnresolvedRefs"));
  }

  @Test
  void writesAStatusOnceAndSkipsEveryReconcileThatWouldChangeNothing() throws Exception {
    // The one write that carries the usage comes after the quota is accepted: wait for it, so that
    // a slow machine does not count it among the writes that must not happen.
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> quota().getStatus() != null && quota().getStatus().busiest != null);
    String version = quota().getMetadata().getResourceVersion();
    double writes = statusWrites("TokenQuota", "written");
    int reads = usageReads.get();

    // The quota's usage is refreshed every 300 ms: each refresh reconciles and finds nothing new.
    for (int i = 0; i < 5; i++) {
      Thread.sleep(300);
      clock.advance(Duration.ofMillis(300));
    }

    assertThat(usageReads.get() - reads).isBetween(2, 6);
    assertThat(statusWrites("TokenQuota", "unchanged")).isGreaterThanOrEqualTo(2);
    assertThat(statusWrites("TokenQuota", "written")).isEqualTo(writes);
    assertThat(quota().getMetadata().getResourceVersion()).isEqualTo(version);
    TokenQuotaStatus status = quota().getStatus();
    assertThat(status.busiest).isEqualTo("75% of tokens-per-minute (client=alice)");
    assertThat(status.usage)
        .singleElement()
        .satisfies(u -> assertThat(u.remaining).isEqualTo("5000"));
  }

  @Test
  void aConditionKeepsItsTransitionTimeWhileItsStatusStays() {
    clock.advance(Duration.ofMinutes(5));
    client.secrets().inNamespace("default").withName("alice-key").delete();

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> "False".equals(condition(route(), "ResolvedRefs").getStatus()));
    AIRoute route = route();
    assertThat(condition(route, "ResolvedRefs").getReason()).isEqualTo("InvalidClientKey");
    assertThat(condition(route, "ResolvedRefs").getLastTransitionTime())
        .isEqualTo("2026-03-01T10:05:00Z");
    assertThat(condition(route, "Accepted").getStatus()).isEqualTo("True");
    assertThat(condition(route, "Accepted").getLastTransitionTime())
        .isEqualTo("2026-03-01T10:00:00Z");
    assertThat(condition(route, "Programmed").getLastTransitionTime())
        .isEqualTo("2026-03-01T10:00:00Z");
  }

  @Test
  void aNewRouteIsReconciledWithoutRewritingTheOthers() throws Exception {
    String quotaVersion = quota().getMetadata().getResourceVersion();
    String routeVersion = route().getMetadata().getResourceVersion();
    ClusterObjects.createAll(
        client,
        TestModels.snapshot(
            """
                        apiVersion: tollgate.dev/v1alpha1
                        kind: AIRoute
                        metadata: {name: ghost, namespace: default}
                        spec:
                          clients: {apiKeys: {secretSelector: {matchLabels: {a: b}}}}
                          rules:
                            - models: [ghost]
                              backends: [{provider: {name: nowhere}, model: x}]
                        """));

    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              AIRoute ghost =
                  client.resources(AIRoute.class).inNamespace("default").withName("ghost").get();
              return ghost.getStatus() != null
                  && "ProviderNotFound".equals(condition(ghost, "ResolvedRefs").getReason());
            });
    Thread.sleep(300);
    assertThat(route().getMetadata().getResourceVersion()).isEqualTo(routeVersion);
    assertThat(quota().getMetadata().getResourceVersion()).isEqualTo(quotaVersion);
  }

  double statusWrites(String kind, String result) {
    var counter =
        operator
            .registry()
            .find("tollgate.operator.status.writes")
            .tag("kind", kind)
            .tag("result", result)
            .counter();
    return counter == null ? 0 : counter.count();
  }

  AIRoute route() {
    return client.resources(AIRoute.class).inNamespace("default").withName("chat").get();
  }

  TokenQuota quota() {
    return client
        .resources(TokenQuota.class)
        .inNamespace("default")
        .withName("default-budget")
        .get();
  }

  static boolean accepted(CustomResource<?, ?> resource) {
    return resource.getStatus() != null
        && !ResourceMetadata.conditionsOf(resource).isEmpty()
        && "True".equals(condition(resource, "Accepted").getStatus());
  }

  static Condition condition(CustomResource<?, ?> resource, String type) {
    return ResourceMetadata.conditionsOf(resource).stream()
        .filter(c -> c.getType().equals(type))
        .findFirst()
        .orElseThrow();
  }
}
