package dev.tollgate.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tollgate.api.v1alpha1.AIRoute;
import dev.tollgate.api.v1alpha1.ModelProvider;
import dev.tollgate.api.v1alpha1.ResourceStatus;
import dev.tollgate.api.v1alpha1.TokenQuota;
import dev.tollgate.demo.DemoUpstream;
import dev.tollgate.model.GatewayModel;
import dev.tollgate.model.GatewayModelBuilder;
import dev.tollgate.model.ProviderPolicy;
import dev.tollgate.model.source.ResourceSnapshot;
import dev.tollgate.processor.Processor;
import dev.tollgate.processor.ProcessorConfig;
import dev.tollgate.processor.ProcessorServer;
import dev.tollgate.ratelimit.RateLimitServer;
import dev.tollgate.ratelimit.RateLimitService;
import dev.tollgate.ratelimit.RateLimitSettings;
import dev.tollgate.ratelimit.store.MemoryBudgetStore;
import dev.tollgate.roles.ProcessorCommand;
import dev.tollgate.roles.RateLimitCommand;
import dev.tollgate.roles.RoleProcess;
import dev.tollgate.testkit.FakeUpstream;
import dev.tollgate.testkit.KubeApiServer;
import dev.tollgate.testkit.Ports;
import dev.tollgate.xds.AdsServer;
import dev.tollgate.xds.EnvoyBootstrap;
import dev.tollgate.xds.EnvoyProcess;
import dev.tollgate.xds.XdsSettings;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import picocli.CommandLine;

/**
 * Traffic end to end: a real kube-apiserver, the operator, the processor and rate-limit service
 * (in-process, fed every model the operator publishes), a demo upstream and a real Envoy. A request
 * through Envoy reaches the upstream and every resource reports Programmed=True; restarting the
 * operator mid-traffic fails no request and publishes the identical version; a deleted route
 * answers 404; the processor and rate-limit roles, run as separate deployments would be, build the
 * same routes and quotas from the same resources and follow the operator's changes; a team's
 * ModelProvider pointing at an internal loopback service is refused and never reached. Fails (never
 * skips) when Envoy or the API server binaries are missing.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OperatorTrafficIT {
  static final String NODE = "envoy-traffic";
  static final String NAMESPACE = "shop";
  static final String UPSTREAM_KEY = "demo-upstream-key-0001";
  static final String CLIENT_KEY = "tg-shop-alice-0001";
  static final Path WORK = Path.of("target", "operator-traffic-it").toAbsolutePath();
  static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  static KubeApiServer apiServer;
  static KubernetesClient admin;
  static TollgateOperator operator;
  static EnvoyProcess envoy;
  static DemoUpstream upstream;
  static FakeUpstream vault;
  static Processor processor;
  static ProcessorServer processorServer;
  static RateLimitService rateLimit;
  static RateLimitServer rateLimitServer;
  static int adsPort;
  static int listenerPort;
  static XdsSettings xds;

  @BeforeAll
  static void start() throws Exception {
    assertThat(EnvoyProcess.findBinary()).as(EnvoyProcess.INSTALL_HINT).isPresent();
    apiServer = KubeApiServer.startWithCrds();
    admin = apiServer.adminClient();
    create(
        """
        apiVersion: v1
        kind: Namespace
        metadata: {name: tollgate-system}
        """);
    create(
        """
        apiVersion: v1
        kind: Namespace
        metadata: {name: shop}
        """);

    Clock clock = Clock.systemUTC();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    upstream =
        DemoUpstream.start(
            "127.0.0.1", Ports.free(), List.of("demo-chat", "demo-embed"), UPSTREAM_KEY, 0);
    // An internal service (a stand-in for http://vault.vault:8200) on the same loopback.
    vault = FakeUpstream.echo("vault");
    processor = new Processor(ProcessorConfig.defaults(), clock, registry);
    processorServer = ProcessorServer.start("127.0.0.1", Ports.free(), processor);
    GatewayModel empty = GatewayModelBuilder.build(ResourceSnapshot.empty());
    rateLimit =
        new RateLimitService(
            empty, MemoryBudgetStore.withDefaults(), RateLimitSettings.defaults(), clock, registry);
    rateLimitServer =
        RateLimitServer.start(rateLimit, "127.0.0.1", Ports.free(), Duration.ofSeconds(5));

    createResources(upstream.port());
    adsPort = Ports.free();
    listenerPort = Ports.free();
    xds =
        XdsSettings.local()
            .withListener("127.0.0.1", listenerPort)
            .withServices("127.0.0.1", processorServer.port(), "127.0.0.1", rateLimitServer.port());
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

  static void createResources(int upstreamPort) {
    create(
        """
        apiVersion: v1
        kind: Secret
        metadata: {name: demo-upstream-key, namespace: shop}
        stringData: {apiKey: %s}
        """
            .formatted(UPSTREAM_KEY));
    create(
        """
        apiVersion: tollgate.dev/v1alpha1
        kind: ModelProvider
        metadata: {name: demo, namespace: shop}
        spec:
          type: OpenAICompatible
          endpoint: {url: "http://127.0.0.1:%d"}
          credentials: {name: demo-upstream-key}
          models:
            - name: demo-chat
              contextWindow: 32768
              pricing: {currency: USD, inputPerMillion: "0.50", outputPerMillion: "1.50"}
            - name: demo-embed
              contextWindow: 8192
              pricing: {currency: USD, inputPerMillion: "0.02", outputPerMillion: "0"}
        """
            .formatted(upstreamPort));
    create(
        """
        apiVersion: v1
        kind: Secret
        metadata:
          name: alice-key
          namespace: shop
          labels: {tollgate.dev/client-key: "true", tollgate.dev/client: alice}
        stringData: {apiKey: %s}
        """
            .formatted(CLIENT_KEY));
    create(route());
    // A second route for the same clients: with it, alice's key stays valid once "chat" is gone.
    create(
        """
        apiVersion: tollgate.dev/v1alpha1
        kind: AIRoute
        metadata: {name: embed, namespace: shop}
        spec:
          clients: {apiKeys: {secretSelector: {matchLabels: {tollgate.dev/client-key: "true"}}}}
          rules:
            - models: [demo-embed]
              backends: [{provider: {name: demo}, model: demo-embed}]
        """);
    create(
        """
        apiVersion: tollgate.dev/v1alpha1
        kind: TokenQuota
        metadata: {name: budget, namespace: shop}
        spec:
          mode: Enforce
          limits:
            - {name: requests-per-minute, type: Requests, amount: "100000", window: 1m, per: [Client]}
        """);
  }

  static String route() {
    return """
        apiVersion: tollgate.dev/v1alpha1
        kind: AIRoute
        metadata: {name: chat, namespace: shop}
        spec:
          clients: {apiKeys: {secretSelector: {matchLabels: {tollgate.dev/client-key: "true"}}}}
          rules:
            - models: [demo-chat, fast]
              backends: [{provider: {name: demo}, model: demo-chat}]
        """;
  }

  static TollgateOperator startOperator(String identity) {
    TollgateOperator started =
        TollgateOperator.start(
            admin,
            OperatorSettings.builder()
                .ads("127.0.0.1", adsPort)
                // The demo upstream is loopback too: only its port is allowed.
                .providerPolicy(providerPolicy())
                .xds(xds)
                .probes("127.0.0.1", -1)
                .lease("tollgate-operator", "tollgate-system")
                .identity(identity)
                .coalesce(Duration.ofMillis(100))
                .grace(Duration.ofSeconds(60))
                .resync(Duration.ofSeconds(2))
                .build(),
            Clock.systemUTC(),
            null,
            () -> {});
    started.onModelPublished(processor::update);
    started.onModelPublished(rateLimit::update);
    return started;
  }

  static ProviderPolicy providerPolicy() {
    return ProviderPolicy.of(List.of(), List.of(providerEndpoints()), false);
  }

  static String providerEndpoints() {
    return "127.0.0.1:" + upstream.port();
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable c :
        new AutoCloseable[] {
          envoy, operator, rateLimitServer, processorServer, upstream, vault, admin, apiServer
        }) {
      if (c != null) {
        try {
          c.close();
        } catch (Exception e) {
          // keep closing the rest
        }
      }
    }
  }

  @Test
  @Order(1)
  void aRequestThroughEnvoyReachesTheUpstreamAndEveryResourceIsProgrammed() {
    HttpResponse<String> response =
        await()
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(500))
            .failFast("Envoy exited:\n" + envoy.logTail(40), () -> !envoy.isAlive())
            // Envoy acknowledges a listener before it has bound its port: until then a connection
            // is refused, which on a busy machine can last a few hundred milliseconds.
            .ignoreExceptionsInstanceOf(java.io.UncheckedIOException.class)
            .until(() -> chat("fast"), r -> r.statusCode() == 200);
    assertThat(response.body()).contains("demo-chat");
    assertThat(processor.modelVersion()).isEqualTo(operator.publishedVersion().orElseThrow());
    assertThat(rateLimit.policy().namespaces()).isNotEmpty();
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              List<CustomResource<?, ?>> all = all();
              assertThat(all).hasSize(4);
              for (CustomResource<?, ?> resource : all) {
                assertThat(condition(resource, "Programmed"))
                    .as("%s", OperatorEnvoyIT.name(resource))
                    .extracting(Condition::getStatus, Condition::getReason)
                    .containsExactly("True", "Programmed");
              }
            });
  }

  @Test
  @Order(2)
  void anOperatorRestartedMidTrafficFailsNoRequestAndPublishesTheSameVersion() throws Exception {
    String before = operator.publishedVersion().orElseThrow();
    AtomicBoolean running = new AtomicBoolean(true);
    Map<Integer, Integer> statuses = new TreeMap<>();
    List<String> failures = new ArrayList<>();
    Thread traffic =
        new Thread(
            () -> {
              while (running.get()) {
                try {
                  HttpResponse<String> r = chat("demo-chat");
                  synchronized (statuses) {
                    statuses.merge(r.statusCode(), 1, Integer::sum);
                    if (r.statusCode() != 200 && failures.size() < 5) {
                      failures.add(r.statusCode() + " " + r.body());
                    }
                  }
                } catch (Exception e) {
                  synchronized (statuses) {
                    statuses.merge(-1, 1, Integer::sum);
                    if (failures.size() < 5) {
                      failures.add(e.toString());
                    }
                  }
                }
              }
            },
            "traffic");
    traffic.start();
    try {
      Thread.sleep(1000);
      operator.close();
      operator = null;
      Thread.sleep(1500);
      operator = startOperator("operator-b");
      assertThat(operator.publishedVersion()).contains(before);
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () -> assertThat(operator.ads().tracker().status(NODE).connected()).isTrue());
      await().atMost(Duration.ofSeconds(30)).until(operator::leader);
      Thread.sleep(1500);
    } finally {
      running.set(false);
      traffic.join(30_000);
    }
    synchronized (statuses) {
      assertThat(statuses.keySet())
          .as("status counts %s, first failures %s", statuses, failures)
          .containsOnly(200);
      assertThat(statuses.get(200)).isGreaterThan(20);
    }
    assertThat(operator.publishedVersion()).contains(before);
    assertThat(envoy.admin("/config_dump").orElseThrow())
        .contains("\"version_info\": \"" + before + ".");
    assertThat(operator.ads().tracker().status(NODE).lastNack()).isEmpty();
  }

  @Test
  @Order(3)
  void aDeletedRouteAnswers404WhileTheClientKeepsItsOtherRoute() {
    assertThat(chat("fast").statusCode()).isEqualTo(200);
    admin.resources(AIRoute.class).inNamespace(NAMESPACE).withName("chat").delete();
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(300))
        .untilAsserted(
            () -> {
              HttpResponse<String> r = chat("fast");
              assertThat(r.statusCode()).as(r.body()).isEqualTo(404);
            });
    assertThat(processor.modelVersion()).isEqualTo(operator.publishedVersion().orElseThrow());
  }

  @Test
  @Order(4)
  void theProcessorAndRateLimitRolesReadTheSameResourcesAndFollowTheOperator() throws Exception {
    ProcessorCommand processorCommand = new ProcessorCommand();
    new CommandLine(processorCommand)
        .parseArgs(
            "--address=127.0.0.1",
            "--port=" + Ports.free(),
            "--probe-port=" + Ports.free(),
            "--provider-endpoints=" + providerEndpoints());
    RateLimitCommand rateLimitCommand = new RateLimitCommand();
    new CommandLine(rateLimitCommand)
        .parseArgs(
            "--address=127.0.0.1",
            "--port=" + Ports.free(),
            "--probe-port=" + Ports.free(),
            "--usage-port=" + Ports.free(),
            "--provider-endpoints=" + providerEndpoints());
    try (RoleProcess processorRole = processorCommand.start(admin);
        RoleProcess rateLimitRole = rateLimitCommand.start(admin)) {
      // The roles read no provider credential (stand-ins, see CredentialStandIns), so their
      // model versions differ from the operator's; what they serve is the same.
      String before = operator.publishedVersion().orElseThrow();
      String processorBefore = processorRole.publisher().current().version();
      String rateLimitBefore = rateLimitRole.publisher().current().version();
      assertThat(processorRole.publisher().current().routes())
          .isEqualTo(rateLimitRole.publisher().current().routes())
          .isNotEmpty();
      assertThat(processorRole.publisher().current().quotas())
          .isEqualTo(rateLimitRole.publisher().current().quotas());
      assertThat(ready(processorRole)).isEqualTo(200);
      assertThat(ready(rateLimitRole)).isEqualTo(200);
      // Where the operator of the chart reads TokenQuota usage (--quota-usage-url).
      String usage =
          HTTP.send(
                  HttpRequest.newBuilder(
                          URI.create(
                              "http://127.0.0.1:"
                                  + rateLimitRole.usagePort()
                                  + "/usage?namespace=shop&quota=budget"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      assertThat(usage).contains("\"namespace\" : \"shop\"").contains("\"name\" : \"budget\"");
      // /usage moved off the probe port, which the NetworkPolicy opens to Prometheus.
      assertThat(
              HTTP.send(
                      HttpRequest.newBuilder(
                              URI.create(
                                  "http://127.0.0.1:"
                                      + rateLimitRole.healthPort()
                                      + "/usage?namespace=shop&quota=budget"))
                          .build(),
                      HttpResponse.BodyHandlers.ofString())
                  .statusCode())
          .isEqualTo(404);
      assertThat(
              new HttpQuotaUsageReader(URI.create("http://127.0.0.1:" + rateLimitRole.usagePort()))
                  .usage("shop", "budget")
                  .get(5, java.util.concurrent.TimeUnit.SECONDS))
          .isEmpty();

      create(route());
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> {
                String now = operator.publishedVersion().orElseThrow();
                assertThat(now).isNotEqualTo(before);
                assertThat(processorRole.publisher().current().version())
                    .isNotEqualTo(processorBefore);
                assertThat(rateLimitRole.publisher().current().version())
                    .isNotEqualTo(rateLimitBefore);
                assertThat(rateLimitRole.publisher().current().routes()).hasSize(2);
              });
      assertThat(processorRole.publisher().current().routes()).hasSize(2);
    }
  }

  @Test
  @Order(5)
  void aTeamsProviderPointingAtAnInternalServiceIsRefusedAndNeverReached() {
    create(
        """
        apiVersion: v1
        kind: Namespace
        metadata: {name: team-evil}
        """);
    create(
        """
        apiVersion: tollgate.dev/v1alpha1
        kind: ModelProvider
        metadata: {name: vault, namespace: team-evil}
        spec:
          type: OpenAICompatible
          endpoint: {url: "http://127.0.0.1:%d"}
          models: [{name: secrets}]
        """
            .formatted(vault.port()));
    create(
        """
        apiVersion: v1
        kind: Secret
        metadata:
          name: mallory-key
          namespace: team-evil
          labels: {tollgate.dev/client-key: "true"}
        stringData: {apiKey: tg-evil-mallory-0001}
        """);
    create(
        """
        apiVersion: tollgate.dev/v1alpha1
        kind: AIRoute
        metadata: {name: steal, namespace: team-evil}
        spec:
          clients: {apiKeys: {secretSelector: {matchLabels: {tollgate.dev/client-key: "true"}}}}
          rules:
            - models: [secrets]
              backends: [{provider: {name: vault}, model: secrets}]
        """);
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(300))
        .until(() -> evilProvider().getStatus() != null && evilRouteHasStatus());
    // Long enough for Envoy to be sent a version with the route, were it accepted.
    for (int i = 0; i < 10; i++) {
      HttpResponse<String> r = chat("secrets", "tg-evil-mallory-0001");
      assertThat(r.statusCode()).as(r.body()).isNotEqualTo(200);
      assertThat(vault.lastBody()).as("the internal service was reached").isNull();
      sleep(500);
    }
    Condition accepted = condition(evilProvider(), "Accepted");
    assertThat(accepted)
        .extracting(Condition::getStatus, Condition::getReason)
        .containsExactly("False", "EndpointNotAllowed");
    assertThat(accepted.getMessage())
        .contains("127.0.0.1:" + vault.port() + " is a loopback address")
        .contains("--provider-endpoints");
  }

  static ModelProvider evilProvider() {
    return admin.resources(ModelProvider.class).inNamespace("team-evil").withName("vault").get();
  }

  static boolean evilRouteHasStatus() {
    AIRoute route = admin.resources(AIRoute.class).inNamespace("team-evil").withName("steal").get();
    return route.getStatus() != null;
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static int ready(RoleProcess role) throws Exception {
    return HTTP.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + role.healthPort() + "/readyz"))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .statusCode();
  }

  // ---------------------------------------------------------------- helpers

  static HttpResponse<String> chat(String model) {
    return chat(model, CLIENT_KEY);
  }

  static HttpResponse<String> chat(String model, String key) {
    try {
      return HTTP.send(
          HttpRequest.newBuilder(
                  URI.create("http://127.0.0.1:" + listenerPort + "/v1/chat/completions"))
              .header("authorization", "Bearer " + key)
              .header("content-type", "application/json")
              .POST(
                  HttpRequest.BodyPublishers.ofString(
                      "{\"model\":\""
                          + model
                          + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}"))
              .timeout(Duration.ofSeconds(20))
              .build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static void create(String yaml) {
    HasMetadata object =
        admin.load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8))).items().get(0);
    admin.resource(object).create();
  }

  static List<CustomResource<?, ?>> all() {
    List<CustomResource<?, ?>> all = new ArrayList<>();
    all.addAll(admin.resources(ModelProvider.class).inNamespace(NAMESPACE).list().getItems());
    all.addAll(admin.resources(AIRoute.class).inNamespace(NAMESPACE).list().getItems());
    all.addAll(admin.resources(TokenQuota.class).inNamespace(NAMESPACE).list().getItems());
    return all;
  }

  static Condition condition(CustomResource<?, ?> resource, String type) {
    List<Condition> conditions =
        resource.getStatus() instanceof ResourceStatus status ? status.conditions : List.of();
    return conditions.stream()
        .filter(c -> c.getType().equals(type))
        .findFirst()
        .orElseThrow(
            () -> new AssertionError(OperatorEnvoyIT.name(resource) + " has no condition " + type));
  }
}
