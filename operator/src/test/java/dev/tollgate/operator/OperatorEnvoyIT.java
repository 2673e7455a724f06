package dev.tollgate.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;
import static org.awaitility.Awaitility.await;

import dev.tollgate.api.v1alpha1.AIRoute;
import dev.tollgate.api.v1alpha1.ModelProvider;
import dev.tollgate.api.v1alpha1.ResourceStatus;
import dev.tollgate.api.v1alpha1.TokenQuota;
import dev.tollgate.testkit.KubeApiServer;
import dev.tollgate.testkit.Ports;
import dev.tollgate.xds.AdsServer;
import dev.tollgate.xds.EnvoyBootstrap;
import dev.tollgate.xds.EnvoyProcess;
import dev.tollgate.xds.XdsSettings;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * End to end: a real kube-apiserver, the operator, and a real Envoy bootstrapped against the
 * operator's ADS port. Envoy receives the multi-team configuration and every resource reports
 * Programmed=True; a deleted route leaves Envoy's config dump with Events saying so; a provider
 * Envoy rejects reports Envoy's message while the rest stay programmed; a restarted operator finds
 * Envoy on its last configuration and publishes the identical version. Requests through Envoy are
 * sent in {@link OperatorTrafficIT}. Fails (never skips) when Envoy or the API server binaries are
 * missing.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OperatorEnvoyIT {
  static final String NODE = "envoy-e2e";
  static final Path WORK = Path.of("target", "operator-envoy-it").toAbsolutePath();

  static KubeApiServer apiServer;
  static KubernetesClient admin;
  static TollgateOperator operator;
  static EnvoyProcess envoy;
  static int adsPort;
  static XdsSettings xds;

  @BeforeAll
  static void start() {
    assertThat(EnvoyProcess.findBinary()).as(EnvoyProcess.INSTALL_HINT).isPresent();
    apiServer = KubeApiServer.startWithCrds();
    admin = apiServer.adminClient();
    admin.namespaces().resource(namespace("tollgate-system")).create();
    ClusterObjects.createExample(admin, "multi-team");
    adsPort = Ports.free();
    xds =
        XdsSettings.local()
            .withListener("127.0.0.1", Ports.free())
            .withServices("127.0.0.1", Ports.free(), "127.0.0.1", Ports.free())
            .withCaBundle(CA_BUNDLE.toString());
    copyCaBundle();
    operator = startOperator("operator-a");
    int adminPort = Ports.free();
    envoy =
        EnvoyProcess.start(
            WORK,
            EnvoyBootstrap.toJson(
                EnvoyBootstrap.build(
                    NODE, AdsServer.DEFAULT_GROUP, "127.0.0.1", adsPort, adminPort)),
            adminPort,
            "info");
  }

  /** The CA bundle Envoy is told to use: a copy of the system's, which a test takes away. */
  static final Path CA_BUNDLE = WORK.resolve("ca-bundle.crt");

  static void copyCaBundle() {
    try {
      Files.createDirectories(WORK);
      Files.copy(
          Path.of(XdsSettings.DEFAULT_CA_BUNDLE), CA_BUNDLE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static TollgateOperator startOperator(String identity) {
    return TollgateOperator.start(
        admin,
        OperatorSettings.builder()
            .ads("127.0.0.1", adsPort)
            .xds(xds)
            .probes("127.0.0.1", -1)
            .lease("tollgate-operator", "tollgate-system")
            .identity(identity)
            .coalesce(Duration.ofMillis(100))
            .grace(Duration.ofSeconds(60))
            .resync(Duration.ofSeconds(2))
            .providerPolicy(OperatorStatusIT.PROVIDER_POLICY)
            .build(),
        Clock.systemUTC(),
        null,
        () -> {});
  }

  @AfterAll
  static void stop() {
    if (envoy != null) {
      envoy.close();
    }
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

  @Test
  @Order(1)
  void envoyReceivesTheConfigurationAndEveryResourceIsProgrammed() {
    // The version the operator publishes now, read on every poll: CI once saw it publish a second
    // version right after it started, before Envoy connected, and Envoy got only that one.
    await()
        .atMost(Duration.ofSeconds(60))
        .failFast("Envoy exited:\n" + envoy.logTail(40), () -> !envoy.isAlive())
        .untilAsserted(
            () -> {
              String version = operator.publishedVersion().orElseThrow();
              assertThat(operator.ads().tracker().status(NODE).ackedVersions())
                  .as("Envoy log:\n%s", envoy.logTail(20))
                  .hasSize(4)
                  .allSatisfy((type, acked) -> assertThat(acked).isEqualTo(version));
            });
    assertThat(configDump()).contains("airoute/team-c/search/rule/0/model/embed");
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              for (CustomResource<?, ?> resource : all()) {
                assertThat(condition(resource, "Programmed"))
                    .as("%s", name(resource))
                    .extracting(Condition::getStatus, Condition::getReason)
                    .containsExactly("True", "Programmed");
                assertThat(condition(resource, "Programmed").getMessage())
                    .startsWith("acknowledged by 1 Envoy node (configuration version ");
              }
            });
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(eventsAbout("team-a", "assistants"))
                    .extracting(Event::getType, Event::getReason)
                    .contains(tuple("Normal", "Programmed")));
  }

  @Test
  @Order(2)
  void aDeletedRouteLeavesEnvoyAndEventsTellTheStory() {
    admin.resources(AIRoute.class).inNamespace("team-c").withName("search").delete();
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(configDump())
                    .doesNotContain("airoute/team-c/search/")
                    .contains("airoute/team-a/assistants/rule/0/model/fast"));
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(eventsAbout("team-c", "search"))
                    .filteredOn(e -> e.getReason().equals("ConfigurationPublished"))
                    .extracting(Event::getMessage)
                    .anySatisfy(
                        m ->
                            assertThat(m)
                                .contains(
                                    "AIRoute team-c/search removed from Envoy's configuration"
                                        + " (deleted)")));
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () ->
                assertThat(operator.ads().tracker().status(NODE).ackedVersions().values())
                    .containsOnly(operator.publishedVersion().orElseThrow()));
    for (CustomResource<?, ?> resource : all()) {
      assertThat(condition(resource, "Programmed").getStatus()).isEqualTo("True");
    }
  }

  /**
   * A provider the model accepts but Envoy cannot load: its CA bundle (the operator's --ca-bundle,
   * a path in Envoy's file system) has gone missing, so the new TLS cluster is rejected while the
   * clusters Envoy already loaded keep working. The model rejects every value it can know to be
   * wrong; this is what is left, Envoy's environment.
   */
  @Test
  @Order(3)
  void aProviderEnvoyRejectsShowsEnvoysMessageWhileTheRestStayProgrammed() throws IOException {
    Map<String, String> programmedSince = programmedSince();
    Files.delete(CA_BUNDLE);
    create(
        """
        apiVersion: tollgate.dev/v1alpha1
        kind: ModelProvider
        metadata: {name: no-ca-bundle, namespace: team-b}
        spec:
          type: OpenAICompatible
          endpoint: {url: "https://models.example.com"}
          models: [{name: tiny}]
        """);
    create(
        """
        apiVersion: tollgate.dev/v1alpha1
        kind: AIRoute
        metadata: {name: tiny, namespace: team-b}
        spec:
          clients: {apiKeys: {secretSelector: {matchLabels: {tollgate.dev/client-key: "true"}}}}
          rules:
            - models: [tiny]
              backends: [{provider: {name: no-ca-bundle}, model: tiny}]
        """);
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              Condition programmed =
                  condition(
                      admin
                          .resources(ModelProvider.class)
                          .inNamespace("team-b")
                          .withName("no-ca-bundle")
                          .get(),
                      "Programmed");
              assertThat(programmed.getStatus()).isEqualTo("False");
              assertThat(programmed.getReason()).isEqualTo("Rejected");
              assertThat(programmed.getMessage())
                  .contains("Envoy node " + NODE + " rejected configuration version")
                  .contains("Cluster provider/team-b/no-ca-bundle/model/tiny: ");
            });
    assertThat(condition(route("team-b", "tiny"), "Accepted").getStatus()).isEqualTo("True");
    assertThat(condition(route("team-b", "tiny"), "Programmed").getReason()).isEqualTo("Rejected");
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(eventsAbout("team-b", "no-ca-bundle"))
                    .extracting(Event::getType, Event::getReason)
                    .contains(tuple("Warning", "ConfigurationRejected")));
    assertThat(programmedSince()).containsAllEntriesOf(programmedSince);

    admin.resources(AIRoute.class).inNamespace("team-b").withName("tiny").delete();
    admin.resources(ModelProvider.class).inNamespace("team-b").withName("no-ca-bundle").delete();
    copyCaBundle();
    String version =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () -> operator.publishedVersion().orElseThrow(),
                v ->
                    operator.ads().tracker().status(NODE).ackedVersions().values().stream()
                        .allMatch(v::equals));
    assertThat(operator.ads().tracker().status(NODE).lastNack()).isEmpty();
    assertThat(version).isNotBlank();
  }

  @Test
  @Order(4)
  void aRestartedOperatorFindsEnvoyOnItsLastConfigurationAndPublishesTheSameVersion()
      throws Exception {
    String before = operator.publishedVersion().orElseThrow();
    Map<String, String> programmedSince = programmedSince();
    operator.close();
    operator = null;

    Thread.sleep(1000);
    assertThat(envoy.isAlive()).isTrue();
    assertThat(configDump())
        .contains("airoute/team-a/assistants/rule/0/model/fast")
        .contains("\"version_info\": \"" + before + ".");

    operator = startOperator("operator-b");
    assertThat(operator.publishedVersion()).contains(before);
    await().atMost(Duration.ofSeconds(30)).until(operator::leader);
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> assertThat(operator.ads().tracker().status(NODE).connected()).isTrue());
    // Envoy already runs this version: the new operator has nothing to send, and statuses did
    // not flap while Envoy reconnected.
    await()
        .during(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(programmedSince()).isEqualTo(programmedSince));
    assertThat(configDump()).contains("\"version_info\": \"" + before + ".");
    assertThat(operator.ads().tracker().status(NODE).lastNack()).isEmpty();
  }

  // ---------------------------------------------------------------- helpers

  static String configDump() {
    return envoy.admin("/config_dump").orElseThrow();
  }

  static Map<String, String> programmedSince() {
    Map<String, String> since = new HashMap<>();
    for (CustomResource<?, ?> resource : all()) {
      Condition programmed = condition(resource, "Programmed");
      since.put(name(resource), programmed.getStatus() + "@" + programmed.getLastTransitionTime());
    }
    return since;
  }

  static void create(String yaml) {
    HasMetadata object =
        admin.load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8))).items().get(0);
    admin.resource(object).create();
  }

  static Namespace namespace(String name) {
    return new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build();
  }

  static AIRoute route(String namespace, String name) {
    return admin.resources(AIRoute.class).inNamespace(namespace).withName(name).get();
  }

  static List<Event> eventsAbout(String namespace, String name) {
    return admin.v1().events().inNamespace(namespace).list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName()))
        .toList();
  }

  static List<CustomResource<?, ?>> all() {
    List<CustomResource<?, ?>> all = new ArrayList<>();
    all.addAll(admin.resources(ModelProvider.class).inAnyNamespace().list().getItems());
    all.addAll(admin.resources(AIRoute.class).inAnyNamespace().list().getItems());
    all.addAll(admin.resources(TokenQuota.class).inAnyNamespace().list().getItems());
    return all;
  }

  static Condition condition(CustomResource<?, ?> resource, String type) {
    List<Condition> conditions =
        resource.getStatus() instanceof ResourceStatus status ? status.conditions : List.of();
    return conditions.stream()
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
