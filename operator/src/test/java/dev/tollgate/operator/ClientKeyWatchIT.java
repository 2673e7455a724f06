package dev.tollgate.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tollgate.api.v1alpha1.AIRoute;
import dev.tollgate.model.ClientKeyWatch;
import dev.tollgate.model.GatewayModel;
import dev.tollgate.model.ProviderPolicy;
import dev.tollgate.roles.ProcessorCommand;
import dev.tollgate.roles.RoleProcess;
import dev.tollgate.testkit.KubeApiServer;
import dev.tollgate.testkit.Ports;
import dev.tollgate.testkit.RepoRoot;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import picocli.CommandLine;

/**
 * The operator and the processor on a real kube-apiserver, each as its service account of
 * deploy/tollgate.yaml and with the chart's client-key selector: a route whose key Secrets are
 * picked by another label gets {@code ResolvedRefs=False, ClientKeyNotWatched} naming the Secret
 * without the label and the fix, its labelled key keeps working, the other routes stay resolved,
 * and the operator's clients are exactly the processor's. Labelling the Secret resolves it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClientKeyWatchIT {
  static final String SYSTEM = "tollgate-system";
  static final String VLLM = "vllm.platform.svc.cluster.local:8000";

  static KubeApiServer apiServer;
  static KubernetesClient admin;
  static KubernetesClient asOperator;
  static KubernetesClient asProcessor;
  static TollgateOperator operator;
  static RoleProcess processor;
  static final AtomicReference<GatewayModel> operatorModel = new AtomicReference<>();

  @BeforeAll
  static void start() throws Exception {
    apiServer = KubeApiServer.startWithCrds();
    admin = apiServer.adminClient();
    try (InputStream in = Files.newInputStream(RepoRoot.resolve("deploy/tollgate.yaml"))) {
      for (HasMetadata object : admin.load(in).items()) {
        if (!object.getKind().equals("CustomResourceDefinition")) {
          admin.resource(object).create();
        }
      }
    }
    asOperator = apiServer.clientAs(SYSTEM, "tollgate-operator");
    asProcessor = apiServer.clientAs(SYSTEM, "tollgate-processor");
    operator =
        TollgateOperator.start(
            asOperator,
            OperatorSettings.builder()
                .ads("127.0.0.1", 0)
                // What the chart passes the operator: the processor's selector, by default.
                .providerPolicy(
                    ProviderPolicy.of(List.of(), List.of(VLLM), false)
                        .withClientKeySelector(ClientKeyWatch.DEFAULT_SELECTOR))
                .probes("127.0.0.1", 0)
                .lease("tollgate-operator", SYSTEM)
                .identity("client-key-watch-it")
                .coalesce(Duration.ofMillis(50))
                .grace(Duration.ZERO)
                .build(),
            Clock.systemUTC(),
            null,
            () -> {});
    operator.onModelPublished(operatorModel::set);
    ProcessorCommand processorCommand = new ProcessorCommand();
    new CommandLine(processorCommand)
        .parseArgs(
            "--address=127.0.0.1",
            "--port=" + Ports.free(),
            "--probe-port=" + Ports.free(),
            "--provider-endpoints=" + VLLM);
    processor = processorCommand.start(asProcessor);
    ClusterObjects.createExample(admin, "multi-team");
    for (String yaml : List.of(secret("bots-labelled", true), secret("bots-unlabelled", false))) {
      admin.resource(load(yaml)).create();
    }
    admin
        .resource(
            load(
                """
                apiVersion: tollgate.dev/v1alpha1
                kind: AIRoute
                metadata: {name: bots, namespace: team-a}
                spec:
                  clients: {apiKeys: {secretSelector: {matchLabels: {app: bots}}}}
                  rules:
                    - models: [bots-chat]
                      backends: [{provider: {name: openai, namespace: platform}, model: gpt-4o-mini}]
                """))
        .create();
  }

  static String secret(String name, boolean labelled) {
    return """
        apiVersion: v1
        kind: Secret
        metadata:
          name: %s
          namespace: team-a
          labels: {app: bots%s}
        stringData: {apiKey: tg-team-a-%s-0123456789}
        """
        .formatted(name, labelled ? ", tollgate.dev/client-key: \"true\"" : "", name);
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable c : new AutoCloseable[] {processor, operator}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        // keep closing the rest
      }
    }
    for (KubernetesClient c : new KubernetesClient[] {asProcessor, asOperator, admin}) {
      if (c != null) {
        c.close();
      }
    }
    if (apiServer != null) {
      apiServer.close();
    }
  }

  @Test
  @Order(1)
  void aKeySecretWithoutTheLabelIsReportedOnItsRouteWhileTheRestServe() {
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(condition("bots", "ResolvedRefs"))
                    .as("AIRoute team-a/bots ResolvedRefs")
                    .extracting(Condition::getStatus, Condition::getReason)
                    .containsExactly("False", "ClientKeyNotWatched"));
    assertThat(condition("bots", "ResolvedRefs").getMessage())
        .contains("Secret team-a/bots-unlabelled does not match 'tollgate.dev/client-key=true'")
        .contains("--client-key-selector (chart: watch.clientKeySelector)")
        .contains("kubectl label secret -n team-a bots-unlabelled tollgate.dev/client-key=true")
        .doesNotContain("bots-labelled")
        .doesNotContain("tg-team-a-bots-unlabelled");
    assertThat(condition("bots", "Accepted").getStatus()).isEqualTo("True");
    for (AIRoute route : admin.resources(AIRoute.class).inAnyNamespace().list().getItems()) {
      if (!route.getMetadata().getName().equals("bots")) {
        assertThat(condition(route, "ResolvedRefs").getStatus())
            .as("ResolvedRefs of %s", route.getMetadata().getName())
            .isEqualTo("True");
      }
    }
    awaitClientsMatch(List.of("bots-labelled"), List.of("bots-unlabelled"));
  }

  @Test
  @Order(2)
  void labellingTheSecretResolvesTheRouteAndTheProcessorLearnsTheKey() {
    admin
        .secrets()
        .inNamespace("team-a")
        .withName("bots-unlabelled")
        .edit(
            s -> {
              s.getMetadata().getLabels().put("tollgate.dev/client-key", "true");
              return s;
            });
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(condition("bots", "ResolvedRefs"))
                    .as("AIRoute team-a/bots ResolvedRefs")
                    .extracting(Condition::getStatus, Condition::getReason)
                    .containsExactly("True", "ResolvedRefs"));
    awaitClientsMatch(List.of("bots-labelled", "bots-unlabelled"), List.of());
  }

  /** Waits until the operator's and the processor's clients of route bots are the same. */
  static void awaitClientsMatch(List<String> present, List<String> absent) {
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () -> {
              GatewayModel published = operatorModel.get();
              assertThat(published).as("a model published by the operator").isNotNull();
              List<String> operatorBots = botClients(published);
              assertThat(operatorBots).as("the operator's bots clients").containsAll(present);
              for (String secret : absent) {
                assertThat(operatorBots).doesNotContain(secret);
              }
              assertThat(processor.publisher().current().clients())
                  .as("the processor's clients")
                  .isEqualTo(published.clients());
            });
  }

  static List<String> botClients(GatewayModel model) {
    return model.clients().stream()
        .filter(c -> c.routes().contains("bots"))
        .map(GatewayModel.Client::secretName)
        .sorted()
        .toList();
  }

  static HasMetadata load(String yaml) {
    return admin.load(new ByteArrayInputStream(yaml.getBytes())).items().get(0);
  }

  static Condition condition(String route, String type) {
    return condition(
        admin.resources(AIRoute.class).inNamespace("team-a").withName(route).get(), type);
  }

  static Condition condition(AIRoute route, String type) {
    List<Condition> conditions =
        route.getStatus() != null && route.getStatus().conditions != null
            ? route.getStatus().conditions
            : List.<Condition>of();
    return conditions.stream()
        .filter(c -> c.getType().equals(type))
        .findFirst()
        .orElseThrow(
            () ->
                new AssertionError(
                    "AIRoute "
                        + route.getMetadata().getNamespace()
                        + "/"
                        + route.getMetadata().getName()
                        + " has no condition "
                        + type));
  }
}
