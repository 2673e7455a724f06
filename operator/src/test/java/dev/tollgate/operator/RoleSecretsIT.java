package dev.tollgate.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.tollgate.model.GatewayModel;
import dev.tollgate.model.ProviderPolicy;
import dev.tollgate.roles.ProcessorCommand;
import dev.tollgate.roles.RateLimitCommand;
import dev.tollgate.roles.RoleProcess;
import dev.tollgate.testkit.KubeApiServer;
import dev.tollgate.testkit.Ports;
import dev.tollgate.testkit.RepoRoot;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
 * The three roles on a real kube-apiserver, each as its service account of deploy/tollgate.yaml
 * (the chart's defaults, so its RBAC is what the API server authorizes): the rate-limit service,
 * which may read no Secret, and the processor, which may only list and watch them and keeps only
 * client keys, build the operator's routes, quotas and clients from the multi-team example without
 * a provider key, and follow the operator when a provider loses its Secret.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RoleSecretsIT {
  static final String SYSTEM = "tollgate-system";
  static final String VLLM = "vllm.platform.svc.cluster.local:8000";
  static final List<String> PROVIDER_KEYS =
      List.of("sk-example-openai-key-replace-me", "example-azure-key-replace-me");
  static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  static KubeApiServer apiServer;
  static KubernetesClient admin;
  static KubernetesClient asOperator;
  static KubernetesClient asProcessor;
  static KubernetesClient asRateLimit;
  static TollgateOperator operator;
  static RoleProcess processor;
  static RoleProcess rateLimit;
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
    asRateLimit = apiServer.clientAs(SYSTEM, "tollgate-ratelimit");
    operator =
        TollgateOperator.start(
            asOperator,
            OperatorSettings.builder()
                .ads("127.0.0.1", 0)
                .providerPolicy(ProviderPolicy.of(List.of(), List.of(VLLM), false))
                .probes("127.0.0.1", 0)
                .lease("tollgate-operator", SYSTEM)
                .identity("role-secrets-it")
                .coalesce(Duration.ofMillis(50))
                .grace(Duration.ZERO)
                .build(),
            Clock.systemUTC(),
            null,
            () -> {});
    operator.onModelPublished(operatorModel::set);
    ProcessorCommand processorCommand = new ProcessorCommand();
    new CommandLine(processorCommand).parseArgs(roleArgs(false));
    processor = processorCommand.start(asProcessor);
    RateLimitCommand rateLimitCommand = new RateLimitCommand();
    new CommandLine(rateLimitCommand).parseArgs(roleArgs(true));
    rateLimit = rateLimitCommand.start(asRateLimit);
    // Created after every role watches, so the operator's publications reach operatorModel.
    ClusterObjects.createExample(admin, "multi-team");
    awaitRolesMatchOperator(3);
    assertThat(operatorModel.get().quotas()).hasSize(3);
  }

  static String[] roleArgs(boolean usagePort) {
    return usagePort
        ? new String[] {
          "--address=127.0.0.1",
          "--port=" + Ports.free(),
          "--probe-port=" + Ports.free(),
          "--usage-port=" + Ports.free(),
          "--provider-endpoints=" + VLLM
        }
        : new String[] {
          "--address=127.0.0.1",
          "--port=" + Ports.free(),
          "--probe-port=" + Ports.free(),
          "--provider-endpoints=" + VLLM
        };
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable c : new AutoCloseable[] {rateLimit, processor, operator}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        // keep closing the rest
      }
    }
    for (KubernetesClient c :
        new KubernetesClient[] {asRateLimit, asProcessor, asOperator, admin}) {
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
  void theRateLimitServiceMayReadNoSecretAndServesEveryBudget() throws Exception {
    assertThat(forbidden(() -> asRateLimit.secrets().inAnyNamespace().list()))
        .as("list Secrets as tollgate-ratelimit")
        .isTrue();
    assertThat(
            forbidden(
                () -> asRateLimit.secrets().inNamespace("platform").withName("openai-key").get()))
        .as("get a provider's Secret as tollgate-ratelimit")
        .isTrue();
    GatewayModel published = operatorModel.get();
    assertThat(model(rateLimit).quotas()).isEqualTo(published.quotas());
    assertThat(model(rateLimit).clients()).isEmpty();
    assertThat(model(rateLimit).credentialValues().values())
        .doesNotContainAnyElementsOf(PROVIDER_KEYS);
    assertThat(get(rateLimit.healthPort(), "/readyz").statusCode()).isEqualTo(200);
    HttpResponse<String> usage =
        get(rateLimit.usagePort(), "/usage?namespace=team-a&quota=team-a-budgets");
    assertThat(usage.statusCode()).as(usage.body()).isEqualTo(200);
    assertThat(usage.body()).contains("\"name\" : \"team-a-budgets\"");
  }

  @Test
  @Order(2)
  void theProcessorKeepsOnlyClientKeysAndMayGetNoSecretByName() throws Exception {
    assertThat(
            forbidden(
                () -> asProcessor.secrets().inNamespace("platform").withName("openai-key").get()))
        .as("get a provider's Secret as tollgate-processor")
        .isTrue();
    assertThat(
            forbidden(() -> asProcessor.secrets().inNamespace(SYSTEM).withName("anything").get()))
        .as("get a Secret of the release namespace as tollgate-processor")
        .isTrue();
    GatewayModel published = operatorModel.get();
    assertThat(model(processor).clients()).isEqualTo(published.clients()).hasSize(4);
    assertThat(model(processor).quotas()).isEqualTo(published.quotas());
    assertThat(model(processor).credentialValues().values())
        .doesNotContainAnyElementsOf(PROVIDER_KEYS);
    assertThat(published.credentialValues().values()).containsAll(PROVIDER_KEYS);
    assertThat(get(processor.healthPort(), "/readyz").statusCode()).isEqualTo(200);
  }

  @Test
  @Order(3)
  void whenAProviderLosesItsSecretTheRolesLeaveItOutAsTheOperatorDoes() {
    Secret azureKey = admin.secrets().inNamespace("platform").withName("azure-eu-key").get();
    admin.secrets().inNamespace("platform").withName("azure-eu-key").delete();
    awaitRolesMatchOperator(2);
    azureKey.getMetadata().setResourceVersion(null);
    azureKey.getMetadata().setUid(null);
    azureKey.getMetadata().setCreationTimestamp(null);
    admin.resource(azureKey).create();
    awaitRolesMatchOperator(3);
  }

  static void awaitRolesMatchOperator(int providers) {
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () -> {
              GatewayModel published = operatorModel.get();
              assertThat(published).as("a model published by the operator").isNotNull();
              assertThat(published.providers()).as("the operator's providers").hasSize(providers);
              for (RoleProcess role : List.of(processor, rateLimit)) {
                assertThat(model(role).providers())
                    .extracting(GatewayModel.Provider::name)
                    .isEqualTo(
                        published.providers().stream().map(GatewayModel.Provider::name).toList());
                assertThat(model(role).routes()).isEqualTo(published.routes());
                assertThat(model(role).quotas()).isEqualTo(published.quotas());
              }
            });
  }

  static GatewayModel model(RoleProcess role) {
    return role.publisher().current();
  }

  static boolean forbidden(Runnable call) {
    KubernetesClientException e = catchThrowableOfType(KubernetesClientException.class, call::run);
    return e != null && e.getCode() == 403;
  }

  static HttpResponse<String> get(int port, String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
