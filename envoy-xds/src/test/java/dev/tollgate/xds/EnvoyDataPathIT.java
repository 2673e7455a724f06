package dev.tollgate.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.model.GatewayModel;
import dev.tollgate.model.GatewayModelBuilder;
import dev.tollgate.model.Wire;
import dev.tollgate.model.source.LoadResult;
import dev.tollgate.model.source.ManifestReader;
import dev.tollgate.testkit.FakeUpstream;
import dev.tollgate.testkit.Ports;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Requests through a real Envoy configured by the translation: each attempt reaches its provider
 * with that provider's path and key (never the client's), a fallback to another provider carries
 * the fallback's key, and an unknown model gets OpenAI-style 404 JSON.
 */
class EnvoyDataPathIT {
  static final Path WORK = Path.of("target", "envoy-data-path-it").toAbsolutePath();
  static final ObjectMapper JSON = new ObjectMapper();
  static final String CLIENT_KEY = "tg-data-path-client-key-01";

  static FakeUpstream openai;
  static FakeUpstream azure;
  static FakeUpstream compatible;
  static Server processor;
  static AdsServer ads;
  static EnvoyProcess envoy;
  static int listenerPort;
  static GatewayModel model;
  static final HttpClient HTTP = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    assertThat(EnvoyProcess.findBinary()).as(EnvoyProcess.INSTALL_HINT).isPresent();
    Files.createDirectories(WORK);
    Files.deleteIfExists(WORK.resolve("envoy.log"));
    openai = FakeUpstream.echo("openai");
    azure = FakeUpstream.echo("azure");
    compatible = FakeUpstream.echo("compatible");
    String yaml =
        """
        apiVersion: v1
        kind: Secret
        metadata: {name: openai-key, namespace: ai}
        stringData: {apiKey: sk-openai-in-test}
        ---
        apiVersion: v1
        kind: Secret
        metadata: {name: azure-key, namespace: ai}
        stringData: {apiKey: azure-key-in-test}
        ---
        apiVersion: v1
        kind: Secret
        metadata: {name: compat-key, namespace: ai}
        stringData: {apiKey: compat-key-in-test}
        ---
        apiVersion: v1
        kind: Secret
        metadata: {name: client, namespace: ai, labels: {client-key: "yes"}}
        stringData: {apiKey: %s}
        ---
        apiVersion: tollgate.dev/v1alpha1
        kind: ModelProvider
        metadata: {name: openai, namespace: ai}
        spec:
          type: OpenAI
          endpoint: {url: "http://127.0.0.1:%d"}
          credentials: {name: openai-key}
          models: [{name: gpt-4o}]
        ---
        apiVersion: tollgate.dev/v1alpha1
        kind: ModelProvider
        metadata: {name: azure, namespace: ai}
        spec:
          type: AzureOpenAI
          endpoint: {url: "http://127.0.0.1:%d"}
          azure: {apiVersion: "2024-10-21"}
          credentials: {name: azure-key}
          models: [{name: gpt-4o, deployment: gpt4o-eu}]
        ---
        apiVersion: tollgate.dev/v1alpha1
        kind: ModelProvider
        metadata: {name: compatible, namespace: ai}
        spec:
          type: OpenAICompatible
          endpoint: {url: "http://127.0.0.1:%d/openai"}
          credentials: {name: compat-key}
          models: [{name: llama}]
        ---
        apiVersion: tollgate.dev/v1alpha1
        kind: AIRoute
        metadata: {name: chat, namespace: ai}
        spec:
          clients: {apiKeys: {secretSelector: {matchLabels: {client-key: "yes"}}}}
          rules:
            - models: [smart]
              backends:
                - {provider: {name: openai}, model: gpt-4o}
                - {provider: {name: azure}, model: gpt-4o, priority: 1}
            - models: [llama, fast]
              backends:
                - {provider: {name: compatible}, model: llama}
        """
            .formatted(CLIENT_KEY, openai.port(), azure.port(), compatible.port());
    LoadResult loaded = new ManifestReader().readString("data-path", yaml);
    assertThat(loaded.errors()).isEmpty();
    model = GatewayModelBuilder.build(loaded.snapshot());
    processor =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(new RoutingHeadersProcessor())
            .build()
            .start();
    listenerPort = Ports.free();
    XdsSettings settings =
        XdsSettings.local()
            .withListener("127.0.0.1", listenerPort)
            .withServices("127.0.0.1", processor.getPort(), "127.0.0.1", Ports.free());
    XdsResources resources = new XdsTranslator(settings).translate(model);
    ads = AdsServer.start("127.0.0.1", 0, Clock.systemUTC());
    ads.publish(AdsServer.DEFAULT_GROUP, resources);
    int adminPort = Ports.free();
    envoy =
        EnvoyProcess.start(
            WORK,
            EnvoyBootstrap.toJson(
                EnvoyBootstrap.build(
                    "data-path", AdsServer.DEFAULT_GROUP, "127.0.0.1", ads.port(), adminPort)),
            adminPort,
            "info");
    await()
        .atMost(Duration.ofSeconds(60))
        .failFast("Envoy exited", () -> !envoy.isAlive())
        .until(() -> ads.tracker().status("data-path").ackedEverything(resources.version()));
    await().atMost(Duration.ofSeconds(30)).until(() -> envoy.admin("/ready").isPresent());
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable c : new AutoCloseable[] {envoy, ads, openai, azure, compatible}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        // best effort
      }
    }
    if (processor != null) {
      processor.shutdownNow();
    }
  }

  @Test
  void openAiBackendGetsItsOwnKeyAndTheClientPath() throws Exception {
    openai.failing(false);
    HttpResponse<String> response = send("smart");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.headers().firstValue(Wire.PROVIDER_HEADER)).contains("ai/openai");
    JsonNode echo = JSON.readTree(response.body());
    assertThat(echo.path("server").asText()).isEqualTo("openai");
    assertThat(echo.path("path").asText()).isEqualTo("/v1/chat/completions");
    assertThat(echo.path("headers").path("authorization").asText())
        .isEqualTo("Bearer sk-openai-in-test");
    assertThat(echo.path("headers").has(Wire.UPSTREAM_MODEL_HEADER)).isFalse();
    assertThat(echo.toString()).doesNotContain(CLIENT_KEY);
    // Who called, and under which namespace, stays inside the gateway.
    assertThat(echo.path("headers").has(Wire.NAMESPACE_HEADER)).isFalse();
    assertThat(echo.path("headers").has(Wire.MODEL_HEADER)).isFalse();
    assertThat(echo.path("headers").has(Wire.CLIENT_HEADER)).isFalse();
    assertNoGatewayHeader(echo);
  }

  @Test
  void fallbackToAnotherProviderCarriesThatProvidersKeyAndPath() throws Exception {
    openai.failing(true);
    try {
      HttpResponse<String> response = send("smart");
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      // The provider that answered, for the processor to commit its price (this test's stand-in
      // processor leaves the header in place; Tollgate's removes it).
      assertThat(response.headers().firstValue(Wire.PROVIDER_HEADER)).contains("ai/azure");
      JsonNode echo = JSON.readTree(response.body());
      assertThat(echo.path("server").asText()).isEqualTo("azure");
      assertThat(echo.path("path").asText())
          .isEqualTo("/openai/deployments/gpt4o-eu/chat/completions?api-version=2024-10-21");
      assertThat(echo.path("headers").path("api-key").asText()).isEqualTo("azure-key-in-test");
      assertThat(echo.path("headers").has("authorization")).isFalse();
      assertThat(echo.path("headers").has(Wire.NAMESPACE_HEADER)).isFalse();
      assertThat(echo.path("headers").has(Wire.MODEL_HEADER)).isFalse();
      assertThat(echo.toString()).doesNotContain("sk-openai-in-test").doesNotContain(CLIENT_KEY);
      // The path filter kept the client's path for this second attempt in metadata, not in a
      // header.
      assertNoGatewayHeader(echo);
    } finally {
      openai.failing(false);
    }
  }

  @Test
  void compatibleProviderWithBasePathGetsThePrefixedPath() throws Exception {
    for (String alias : new String[] {"llama", "fast"}) {
      JsonNode echo = call(alias, 200);
      assertThat(echo.path("server").asText()).isEqualTo("compatible");
      assertThat(echo.path("path").asText()).isEqualTo("/openai/v1/chat/completions");
      assertThat(echo.path("headers").path("authorization").asText())
          .isEqualTo("Bearer compat-key-in-test");
      assertThat(echo.path("headers").has(Wire.UPSTREAM_MODEL_HEADER)).isFalse();
      assertNoGatewayHeader(echo);
    }
  }

  @Test
  void unknownModelGetsOpenAiStyleNotFound() throws Exception {
    HttpResponse<String> response = send("no-such-model");
    assertThat(response.statusCode()).isEqualTo(404);
    JsonNode error = JSON.readTree(response.body()).path("error");
    assertThat(error.path("code").asText()).isEqualTo("model_not_found");
    assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
  }

  /** What Tollgate's filters pass between themselves (any {@code x-tollgate-*}) stays in Envoy. */
  private static void assertNoGatewayHeader(JsonNode echo) {
    java.util.List<String> leaked = new java.util.ArrayList<>();
    echo.path("headers")
        .fieldNames()
        .forEachRemaining(
            name -> {
              if (name.toLowerCase(java.util.Locale.ROOT).startsWith(Wire.HEADER_PREFIX)) {
                leaked.add(name);
              }
            });
    assertThat(leaked).as("x-tollgate-* headers the provider received").isEmpty();
  }

  private static JsonNode call(String model, int status) throws Exception {
    HttpResponse<String> response = send(model);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    return JSON.readTree(response.body());
  }

  private static HttpResponse<String> send(String model) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + listenerPort + "/v1/chat/completions"))
            .header("authorization", "Bearer " + CLIENT_KEY)
            .header("x-test-namespace", "ai")
            .header("x-test-model", model)
            .header("content-type", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"model\":\"" + model + "\",\"messages\":[]}"))
            .timeout(Duration.ofSeconds(20))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
