package dev.tollgate.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.emulator.EmulatorServer;
import dev.tollgate.emulator.ReceivedRequest;
import dev.tollgate.emulator.openai.EmulatedModel;
import dev.tollgate.emulator.openai.OpenAiEmulator;
import dev.tollgate.model.GatewayModel;
import dev.tollgate.model.Wire;
import dev.tollgate.testkit.Ports;
import dev.tollgate.xds.AdsServer;
import dev.tollgate.xds.EnvoyBootstrap;
import dev.tollgate.xds.EnvoyProcess;
import dev.tollgate.xds.XdsResources;
import dev.tollgate.xds.XdsSettings;
import dev.tollgate.xds.XdsTranslator;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The processor behind a real Envoy configured by Tollgate's translation, with a stand-in provider
 * and a stand-in rate-limit service: the routing headers it sets select the route, the body it
 * rewrites reaches the provider, and the metadata it writes reaches the rate-limit service as the
 * reservation (hits_addend) and as the usage of the commit at stream end.
 */
class ProcessorEnvoyIT {
  static final Path WORK = Path.of("target", "processor-envoy-it").toAbsolutePath();
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP = HttpClient.newHttpClient();

  static EmulatorServer provider;
  static StandInRateLimitService rateLimits;
  static Server rateLimitServer;
  static ProcessorServer processorServer;
  static AdsServer ads;
  static EnvoyProcess envoy;
  static int listenerPort;
  static final List<String> accessLog = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    assertThat(EnvoyProcess.findBinary()).as(EnvoyProcess.INSTALL_HINT).isPresent();
    Files.createDirectories(WORK);
    Files.deleteIfExists(WORK.resolve("envoy.log"));
    provider =
        EmulatorServer.start(
            "127.0.0.1",
            0,
            List.of(
                OpenAiEmulator.serving(
                    List.of(EmulatedModel.named("gpt-4o-mini"), EmulatedModel.named("llama")),
                    "sk-upstream-openai-secret")),
            0);
    rateLimits = new StandInRateLimitService();
    rateLimitServer =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(rateLimits)
            .build()
            .start();
    GatewayModel model =
        TestModels.build(
            TestModels.yaml(
                provider.port(), "https://issuer.example", "https://issuer.example/jwks"));
    Processor processor =
        new Processor(
            ProcessorConfig.defaults(),
            Clock.systemUTC(),
            new SimpleMeterRegistry(),
            accessLog::add);
    processor.update(model);
    processorServer = ProcessorServer.start("127.0.0.1", 0, processor);
    listenerPort = Ports.free();
    XdsSettings settings =
        XdsSettings.local()
            .withListener("127.0.0.1", listenerPort)
            .withServices(
                "127.0.0.1", processorServer.port(), "127.0.0.1", rateLimitServer.getPort());
    XdsResources resources = new XdsTranslator(settings).translate(model);
    ads = AdsServer.start("127.0.0.1", 0, Clock.systemUTC());
    ads.publish(AdsServer.DEFAULT_GROUP, resources);
    int adminPort = Ports.free();
    envoy =
        EnvoyProcess.start(
            WORK,
            EnvoyBootstrap.toJson(
                EnvoyBootstrap.build(
                    "processor-it", AdsServer.DEFAULT_GROUP, "127.0.0.1", ads.port(), adminPort)),
            adminPort,
            "info");
    await()
        .atMost(Duration.ofSeconds(60))
        .failFast("Envoy exited", () -> !envoy.isAlive())
        .until(() -> ads.tracker().status("processor-it").ackedEverything(resources.version()));
    await().atMost(Duration.ofSeconds(30)).until(() -> envoy.admin("/ready").isPresent());
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable c : new AutoCloseable[] {envoy, ads, processorServer, provider}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        // best effort
      }
    }
    if (rateLimitServer != null) {
      rateLimitServer.shutdownNow();
    }
  }

  @Test
  void normalCallReachesTheProviderAndItsEstimateAndUsageReachTheBudgetService() throws Exception {
    String requestId =
        chat(
                "{\"model\":\"fast\",\"max_tokens\":50,\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}]}",
                200)
            .headers()
            .firstValue("x-request-id")
            .orElseThrow();
    ReceivedRequest received = provider.lastReceived();
    assertThat(received.path()).isEqualTo("/v1/chat/completions");
    assertThat(JSON.readTree(received.body()).path("model").asText()).isEqualTo("gpt-4o-mini");
    assertThat(received.header("authorization")).contains("Bearer sk-upstream-openai-secret");
    assertThat(received.headers().toString()).doesNotContain(TestModels.ALICE_KEY);

    JsonNode line = logLine(requestId);
    long reserve = line.path("reserve_tokens").asLong();
    assertThat(reserve).isEqualTo(line.path("estimated_input_tokens").asLong() + 50);
    StandInRateLimitService.Seen reserved = descriptor(requestId, Wire.RESERVE);
    assertThat(reserved.hitsAddend()).isEqualTo(reserve);
    assertThat(reserved.entries())
        .containsEntry(Wire.CLIENT_KEY, "alice")
        .containsEntry(Wire.MODEL_KEY, "fast")
        .containsEntry(Wire.NAMESPACE_KEY, "team-a");
    assertThat(descriptor(requestId, Wire.COMMIT).entries())
        .containsEntry(Wire.INPUT_TOKENS_KEY, "7")
        .containsEntry(Wire.OUTPUT_TOKENS_KEY, "21")
        .containsEntry(Wire.PROVIDER_KEY, "team-a/openai");
  }

  @Test
  void streamGetsUsageFromTheProviderAndCommitsIt() throws Exception {
    HttpResponse<String> response =
        chat(
            "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}]}",
            200);
    assertThat(response.headers().firstValue("content-type"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
    assertThat(response.body())
        .contains("\"usage\":{\"prompt_tokens\":7")
        .endsWith("data: [DONE]\n\n");
    assertThat(
            JSON.readTree(provider.lastReceived().body())
                .path("stream_options")
                .path("include_usage")
                .asBoolean())
        .isTrue();
    String requestId = response.headers().firstValue("x-request-id").orElseThrow();
    assertThat(descriptor(requestId, Wire.COMMIT).entries())
        .containsEntry(Wire.INPUT_TOKENS_KEY, "7")
        .containsEntry(Wire.OUTPUT_TOKENS_KEY, "21");
    assertThat(logLine(requestId).path("stream").asBoolean()).isTrue();
  }

  @Test
  void unknownKeyGets401JsonFromTheProcessor() throws Exception {
    HttpResponse<String> response = send("Bearer tg-unknown-key-000000", "{\"model\":\"fast\"}");
    assertThat(response.statusCode()).isEqualTo(401);
    JsonNode error = JSON.readTree(response.body()).path("error");
    assertThat(error.path("code").asText()).isEqualTo("invalid_api_key");
    assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
  }

  @Test
  void modelOfAnotherNamespaceGets404ListingTheCallersModels() throws Exception {
    HttpResponse<String> response = chat("{\"model\":\"other\",\"messages\":[]}", 404);
    assertThat(JSON.readTree(response.body()).path("error").path("message").asText())
        .contains("fast, gpt-4o-mini, small, split");
  }

  @Test
  void overBudgetGets429InOpenAiShapeAndCommitsNothing() throws Exception {
    HttpResponse<String> response =
        chat("{\"model\":\"fast\",\"max_tokens\":120000,\"messages\":[]}", 429);
    assertThat(JSON.readTree(response.body()).path("error").path("code").asText())
        .isEqualTo("rate_limit_exceeded");
    String requestId = response.headers().firstValue("x-request-id").orElseThrow();
    JsonNode line = logLine(requestId);
    assertThat(line.path("status").asInt()).isEqualTo(429);
    assertThat(line.path("input_tokens").asLong()).isZero();
    assertThat(descriptor(requestId, Wire.COMMIT).entries())
        .containsEntry(Wire.INPUT_TOKENS_KEY, "0")
        .containsEntry(Wire.OUTPUT_TOKENS_KEY, "0");
  }

  // ------------------------------------------------------------------------------ helpers

  private static HttpResponse<String> chat(String body, int status) throws Exception {
    HttpResponse<String> response = send("Bearer " + TestModels.ALICE_KEY, body);
    assertThat(response.statusCode())
        .as("%s\n%s", response.body(), envoy.logTail(30))
        .isEqualTo(status);
    return response;
  }

  private static HttpResponse<String> send(String authorization, String body) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + listenerPort + "/v1/chat/completions"))
            .header("authorization", authorization)
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .timeout(Duration.ofSeconds(20))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static StandInRateLimitService.Seen descriptor(String requestId, String phase) {
    return await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                rateLimits.seen.stream()
                    .filter(s -> requestId.equals(s.entries().get(Wire.REQUEST_ID_KEY)))
                    .filter(s -> phase.equals(s.entries().get(Wire.PHASE)))
                    .findFirst()
                    .orElse(null),
            s -> s != null);
  }

  private static JsonNode logLine(String requestId) {
    String line =
        await()
            .atMost(Duration.ofSeconds(10))
            .until(
                () ->
                    accessLog.stream()
                        .filter(l -> l.contains("\"request_id\":\"" + requestId + "\""))
                        .findFirst()
                        .orElse(null),
                l -> l != null);
    try {
      return JSON.readTree(line);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
