package dev.tollgate.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;
import static org.awaitility.Awaitility.await;

import dev.tollgate.api.v1alpha1.AIRoute;
import dev.tollgate.api.v1alpha1.ModelProvider;
import dev.tollgate.api.v1alpha1.ResourceStatus;
import dev.tollgate.api.v1alpha1.TokenQuota;
import dev.tollgate.model.ProviderPolicy;
import dev.tollgate.testkit.KubeApiServer;
import dev.tollgate.testkit.RepoRoot;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The operator on a real kube-apiserver, running as the service account of deploy/tollgate.yaml
 * with leader election: the multi-team example is accepted and resolved, an invalid resource gets
 * the right condition while the others stay untouched, and changes of Secrets and Namespace labels
 * reach the statuses of the resources that depend on them, with Events telling the story.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OperatorStatusIT {
  static final ProviderPolicy PROVIDER_POLICY =
      ProviderPolicy.of(List.of(), List.of("vllm.platform.svc.cluster.local:8000"), false);
  static final String SYSTEM = "tollgate-system";
  static final String ACCOUNT = "tollgate-operator";

  static KubeApiServer apiServer;
  static KubernetesClient admin;
  static KubernetesClient asOperator;
  static TollgateOperator operator;

  @BeforeAll
  static void start() throws Exception {
    apiServer = KubeApiServer.startWithCrds();
    admin = apiServer.adminClient();
    // The plain manifests (the chart rendered with defaults), validated by the API server; the
    // Deployments never run here. The CRDs are in already.
    try (InputStream in = Files.newInputStream(RepoRoot.resolve("deploy/tollgate.yaml"))) {
      for (HasMetadata object : admin.load(in).items()) {
        if (!object.getKind().equals("CustomResourceDefinition")) {
          admin.resource(object).create();
        }
      }
    }
    ClusterObjects.createExample(admin, "multi-team");
    asOperator = apiServer.clientAs(SYSTEM, ACCOUNT);
    operator =
        TollgateOperator.start(
            asOperator,
            OperatorSettings.builder()
                .ads("127.0.0.1", 0)
                // The platform team lists its in-cluster vLLM, as docs/install.md shows.
                .providerPolicy(PROVIDER_POLICY)
                .probes("127.0.0.1", 0)
                .lease("tollgate-operator", SYSTEM)
                .identity("operator-it")
                .coalesce(Duration.ofMillis(50))
                .grace(Duration.ZERO)
                .build(),
            Clock.systemUTC(),
            null,
            () -> {});
  }

  @AfterAll
  static void stop() {
    if (operator != null) {
      operator.close();
    }
    if (asOperator != null) {
      asOperator.close();
    }
    if (admin != null) {
      admin.close();
    }
    if (apiServer != null) {
      apiServer.close();
    }
  }

  @Test
  @Order(1)
  void everyExampleResourceIsAcceptedAndResolvedAndWaitsForEnvoy() {
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              List<CustomResource<?, ?>> all = all();
              assertThat(all).hasSize(9);
              for (CustomResource<?, ?> resource : all) {
                assertThat(conditions(resource))
                    .as("%s", name(resource))
                    .extracting(
                        Condition::getType,
                        Condition::getStatus,
                        Condition::getReason,
                        Condition::getObservedGeneration)
                    .containsExactly(
                        tuple("Accepted", "True", "Accepted", 1L),
                        tuple("ResolvedRefs", "True", "ResolvedRefs", 1L),
                        tuple("Programmed", "False", "Pending", 1L));
                assertThat(condition(resource, "Programmed").getMessage())
                    .contains("no Envoy is connected");
              }
            });
  }

  @Test
  @Order(2)
  void theOperatorHoldsTheLeaseAndTellsWhatItAcceptedInEvents() {
    assertThat(operator.leader()).isTrue();
    assertThat(
            admin
                .leases()
                .inNamespace(SYSTEM)
                .withName("tollgate-operator")
                .get()
                .getSpec()
                .getHolderIdentity())
        .isEqualTo("operator-it");
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(eventsAbout("team-a", "assistants"))
                    .extracting(Event::getType, Event::getReason)
                    .contains(tuple("Normal", "Accepted")));
  }

  @Test
  @Order(3)
  void serviceAccountMayWriteOnlyStatusEventsAndItsLease() {
    assertThat(allowed("patch", "tollgate.dev", "airoutes", "status", "team-a")).isTrue();
    assertThat(allowed("list", "", "secrets", "", "team-a")).isTrue();
    assertThat(allowed("create", "", "events", "", "team-a")).isTrue();
    assertThat(allowed("update", "coordination.k8s.io", "leases", "", SYSTEM, "tollgate-operator"))
        .isTrue();
    assertThat(allowed("update", "coordination.k8s.io", "leases", "", SYSTEM, "another")).isFalse();

    assertThat(allowed("update", "tollgate.dev", "airoutes", "", "team-a")).isFalse();
    assertThat(allowed("patch", "tollgate.dev", "modelproviders", "", "platform")).isFalse();
    assertThat(allowed("delete", "tollgate.dev", "tokenquotas", "", "team-a")).isFalse();
    assertThat(allowed("create", "", "secrets", "", "team-a")).isFalse();
    assertThat(allowed("update", "", "secrets", "", "team-a")).isFalse();
    assertThat(allowed("patch", "", "namespaces", "", "")).isFalse();
    assertThat(allowed("get", "", "pods", "", SYSTEM)).isFalse();
    assertThat(allowed("create", "coordination.k8s.io", "leases", "", "team-a")).isFalse();
  }

  @Test
  @Order(4)
  void invalidRoutesGetTheRightConditionsWhileTheOthersStayUntouched() throws Exception {
    Map<String, String> versionsBefore = resourceVersions();
    admin
        .resource(
            load(
                """
                apiVersion: tollgate.dev/v1alpha1
                kind: AIRoute
                metadata: {name: ghost-route, namespace: team-a}
                spec:
                  clients: {apiKeys: {secretSelector: {matchLabels: {tollgate.dev/client-key: "true"}}}}
                  rules:
                    - models: [ghost]
                      backends: [{provider: {name: ghost, namespace: platform}, model: gpt-4o}]
                """))
        .create();
    admin
        .resource(
            load(
                """
                apiVersion: tollgate.dev/v1alpha1
                kind: AIRoute
                metadata: {name: secrets-route, namespace: team-c}
                spec:
                  dataClassification: Confidential
                  clients: {apiKeys: {secretSelector: {matchLabels: {tollgate.dev/client-key: "true"}}}}
                  rules:
                    - models: [classified]
                      backends: [{provider: {name: openai, namespace: platform}, model: gpt-4o}]
                """))
        .create();

    awaitCondition(AIRoute.class, "team-a", "ghost-route", "Accepted", "False", "UnresolvedRefs");
    assertThat(condition(route("team-a", "ghost-route"), "ResolvedRefs"))
        .extracting(Condition::getStatus, Condition::getReason)
        .containsExactly("False", "ProviderNotFound");
    assertThat(condition(route("team-a", "ghost-route"), "ResolvedRefs").getMessage())
        .contains(
            "spec.rules[0].backends[0].provider: ModelProvider platform/ghost does not exist");
    assertThat(condition(route("team-a", "ghost-route"), "Programmed").getReason())
        .isEqualTo("NotAccepted");
    awaitCondition(
        AIRoute.class, "team-c", "secrets-route", "Accepted", "False", "ClassificationNotCleared");
    assertThat(condition(route("team-c", "secrets-route"), "Accepted").getMessage())
        .contains("is cleared only up to Internal");
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(eventsAbout("team-a", "ghost-route"))
                    .extracting(Event::getType, Event::getReason)
                    .contains(tuple("Warning", "Rejected")));

    // Give the operator time to make any (wrong) write, then check that it made none.
    Thread.sleep(500);
    assertThat(resourceVersions()).containsAllEntriesOf(versionsBefore);
    for (CustomResource<?, ?> resource : all()) {
      if (versionsBefore.containsKey(name(resource))) {
        assertThat(condition(resource, "Accepted").getStatus()).isEqualTo("True");
      }
    }
  }

  @Test
  @Order(5)
  void aMissingProviderKeyTakesOutTheProviderAndTheRoutesWithNoOtherBackendUntilItIsBack() {
    Secret key = admin.secrets().inNamespace("platform").withName("openai-key").get();
    String claimsResolvedSince =
        condition(route("team-b", "claims"), "ResolvedRefs").getLastTransitionTime();
    admin.resource(key).delete();

    awaitCondition(
        ModelProvider.class, "platform", "openai", "ResolvedRefs", "False", "SecretNotFound");
    awaitCondition(AIRoute.class, "team-c", "search", "ResolvedRefs", "False", "ProviderNotFound");
    assertThat(condition(route("team-c", "search"), "ResolvedRefs").getMessage())
        .contains("ModelProvider platform/openai is not accepted");
    // assistants has backends on other providers: it serves through them, naming the bad one.
    awaitCondition(
        AIRoute.class, "team-a", "assistants", "ResolvedRefs", "False", "ProviderNotFound");
    assertThat(condition(route("team-a", "assistants"), "Accepted").getStatus()).isEqualTo("True");
    assertThat(condition(route("team-a", "assistants"), "ResolvedRefs").getMessage())
        .contains("ModelProvider platform/openai is not accepted");
    assertThat(condition(route("team-b", "claims"), "Accepted").getStatus()).isEqualTo("True");

    key.getMetadata().setResourceVersion(null);
    key.getMetadata().setUid(null);
    key.getMetadata().setCreationTimestamp(null);
    admin.resource(key).create();
    awaitCondition(
        ModelProvider.class, "platform", "openai", "ResolvedRefs", "True", "ResolvedRefs");
    awaitCondition(AIRoute.class, "team-c", "search", "Accepted", "True", "Accepted");
    awaitCondition(AIRoute.class, "team-a", "assistants", "ResolvedRefs", "True", "ResolvedRefs");
    assertThat(condition(route("team-b", "claims"), "ResolvedRefs").getLastTransitionTime())
        .as("a condition whose status did not change keeps its lastTransitionTime")
        .isEqualTo(claimsResolvedSince);
  }

  @Test
  @Order(6)
  void namespaceLabelsDecideWhichTeamsMayUseAProvider() {
    admin
        .namespaces()
        .withName("team-b")
        .edit(
            n -> {
              n.getMetadata().getLabels().put("tollgate.dev/tier", "sandbox");
              return n;
            });
    awaitCondition(AIRoute.class, "team-b", "claims", "ResolvedRefs", "False", "RefNotPermitted");
    assertThat(condition(route("team-b", "claims"), "ResolvedRefs").getMessage())
        .contains("ModelProvider platform/azure-eu does not allow namespace team-b");

    admin
        .namespaces()
        .withName("team-b")
        .edit(
            n -> {
              n.getMetadata().getLabels().put("tollgate.dev/tier", "regulated");
              return n;
            });
    awaitCondition(AIRoute.class, "team-b", "claims", "ResolvedRefs", "True", "ResolvedRefs");
  }

  @Test
  @Order(7)
  void aSpecChangeIsObservedAtItsNewGeneration() {
    TokenQuota quota =
        admin
            .resources(TokenQuota.class)
            .inNamespace("team-c")
            .withName("team-c-budgets")
            .edit(
                q -> {
                  q.getSpec().warnAtPercent = 70;
                  return q;
                });
    assertThat(quota.getMetadata().getGeneration()).isEqualTo(2L);
    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () ->
                assertThat(
                        conditions(
                            admin
                                .resources(TokenQuota.class)
                                .inNamespace("team-c")
                                .withName("team-c-budgets")
                                .get()))
                    .extracting(Condition::getObservedGeneration)
                    .containsOnly(2L));
  }

  @Test
  @Order(8)
  void probesAndMetricsAreServed() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    String base = "http://127.0.0.1:" + operator.probePort();
    assertThat(get(http, base + "/healthz").statusCode()).isEqualTo(200);
    assertThat(get(http, base + "/readyz").statusCode()).isEqualTo(200);
    // Some counters appear only after later reconciles, so wait for them. A skipped ("unchanged")
    // status write is not asserted: it needs a reconcile that finds the status already right (a
    // trigger racing a write, or a TokenQuota's usage refresh when a usage reader is set), which
    // this test does not control; CI once waited 60 s for an AIRoute's in vain.
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(60))
        .untilAsserted(() -> assertMetrics(get(http, base + "/metrics").body()));
  }

  private static void assertMetrics(String metrics) {
    assertThat(metrics)
        .contains("tollgate_operator_reconciliations_started_total{controller=\"airoute\"")
        .contains("tollgate_operator_status_writes_total{kind=\"AIRoute\",result=\"written\"}")
        .contains("tollgate_operator_config_published_total")
        .contains("tollgate_operator_resources{accepted=\"false\",kind=\"AIRoute\"} 2.0")
        .contains("tollgate_operator_leader 1.0")
        .contains("jvm_memory_used_bytes");
  }

  @Test
  @Order(9)
  void aStandbyReplicaServesTheSameVersionAndWaitsForTheLease() {
    try (TollgateOperator standby =
        TollgateOperator.start(
            asOperator,
            OperatorSettings.builder()
                .ads("127.0.0.1", 0)
                .providerPolicy(PROVIDER_POLICY)
                .probes("127.0.0.1", -1)
                .lease("tollgate-operator", SYSTEM)
                .identity("operator-standby")
                .build(),
            Clock.systemUTC(),
            null,
            () -> {})) {
      assertThat(standby.leader()).isFalse();
      assertThat(standby.ready()).isTrue();
      assertThat(standby.publishedVersion()).isEqualTo(operator.publishedVersion());
      assertThat(operator.leader()).isTrue();
    }
  }

  // ---------------------------------------------------------------- helpers

  static HttpResponse<String> get(HttpClient http, String url) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
  }

  static boolean allowed(
      String verb, String group, String resource, String subresource, String namespace) {
    return allowed(verb, group, resource, subresource, namespace, null);
  }

  static boolean allowed(
      String verb,
      String group,
      String resource,
      String subresource,
      String namespace,
      String name) {
    SelfSubjectAccessReview review =
        new SelfSubjectAccessReviewBuilder()
            .withNewSpec()
            .withNewResourceAttributes()
            .withVerb(verb)
            .withGroup(group)
            .withResource(resource)
            .withSubresource(subresource)
            .withNamespace(namespace)
            .withName(name)
            .endResourceAttributes()
            .endSpec()
            .build();
    return asOperator.resource(review).create().getStatus().getAllowed();
  }

  static HasMetadata load(String yaml) {
    return admin.load(new ByteArrayInputStream(yaml.getBytes())).items().get(0);
  }

  static void awaitCondition(
      Class<? extends CustomResource<?, ?>> type,
      String namespace,
      String name,
      String conditionType,
      String status,
      String reason) {
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThat(
                        condition(
                            admin.resources(type).inNamespace(namespace).withName(name).get(),
                            conditionType))
                    .as("%s %s/%s %s", type.getSimpleName(), namespace, name, conditionType)
                    .extracting(Condition::getStatus, Condition::getReason)
                    .containsExactly(status, reason));
  }

  static AIRoute route(String namespace, String name) {
    return admin.resources(AIRoute.class).inNamespace(namespace).withName(name).get();
  }

  static List<Event> eventsAbout(String namespace, String name) {
    return admin.v1().events().inNamespace(namespace).list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName()))
        .toList();
  }

  static Map<String, String> resourceVersions() {
    return all().stream()
        .collect(
            Collectors.toMap(OperatorStatusIT::name, r -> r.getMetadata().getResourceVersion()));
  }

  static List<CustomResource<?, ?>> all() {
    List<CustomResource<?, ?>> all = new ArrayList<>();
    all.addAll(admin.resources(ModelProvider.class).inAnyNamespace().list().getItems());
    all.addAll(admin.resources(AIRoute.class).inAnyNamespace().list().getItems());
    all.addAll(admin.resources(TokenQuota.class).inAnyNamespace().list().getItems());
    return all;
  }

  static List<Condition> conditions(CustomResource<?, ?> resource) {
    return resource.getStatus() instanceof ResourceStatus status ? status.conditions : List.of();
  }

  static Condition condition(CustomResource<?, ?> resource, String type) {
    return conditions(resource).stream()
        .filter(c -> c.getType().equals(type))
        .findFirst()
        .orElseThrow(() -> new AssertionError(name(resource) + " has no condition " + type));
  }

  static String name(HasMetadata resource) {
    return resource.getKind()
        + " "
        + resource.getMetadata().getNamespace()
        + "/"
        + resource.getMetadata().getName();
  }
}
