package dev.tollgate.emulator.openai;

import static dev.tollgate.emulator.openai.EmulatorClient.CLOCK;
import static dev.tollgate.emulator.openai.EmulatorClient.call;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.emulator.EmulatorServer;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class AzureOpenAiEmulatorTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String KEY = "azure-emulator-key-0001";
  static final String CHAT = "/openai/deployments/team-a/chat/completions";
  static final String MESSAGES = "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
  static EmulatorServer server;

  @BeforeAll
  static void start() {
    AzureOpenAiEmulator azure =
        new AzureOpenAiEmulator(
            () ->
                Map.of(
                    "team-a", EmulatedModel.named("gpt-4o"),
                    "embedder", EmulatedModel.named("text-embedding-3-large"),
                    "down", EmulatedModel.named("gpt-4o-unavailable")),
            KEY,
            CLOCK);
    OpenAiEmulator openai = OpenAiEmulator.serving(List.of(), "unused");
    server = EmulatorServer.start("127.0.0.1", 0, List.of(azure, openai), 0);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void refusesAMissingApiVersionWithAzuresExactBytes() throws Exception {
    HttpResponse<String> response = call(server, "POST", CHAT, MESSAGES, "api-key", KEY);
    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(response.body())
        .isEqualTo("{\"error\":{\"code\":\"404\",\"message\": \"Resource not found\"}}");
  }

  @Test
  void refusesAnUnknownApiVersionAndAnUnknownPath() throws Exception {
    HttpResponse<String> version =
        call(server, "POST", CHAT + "?api-version=2099-01-01", MESSAGES, "api-key", KEY);
    assertThat(version.statusCode()).isEqualTo(400);
    assertThat(version.body())
        .isEqualTo(
            "{\"error\":{\"code\":\"BadRequest\",\"message\":\"API version not supported\"}}");
    HttpResponse<String> path =
        call(
            server,
            "POST",
            "/openai/deployments/team-a/chat?api-version=2024-10-21",
            MESSAGES,
            "api-key",
            KEY);
    assertThat(path.statusCode()).isEqualTo(404);
    assertThat(path.body()).contains("Resource not found");
  }

  @Test
  void refusesAMissingOrWrongApiKeyAndABearerKey() throws Exception {
    for (String[] headers :
        List.of(
            new String[] {},
            new String[] {"api-key", "nope"},
            new String[] {"authorization", "Bearer " + KEY})) {
      HttpResponse<String> response =
          call(server, "POST", CHAT + "?api-version=2024-10-21", MESSAGES, headers);
      assertThat(response.statusCode()).isEqualTo(401);
      assertThat(response.body())
          .isEqualTo(
              "{\"error\":{\"code\":\"401\",\"message\":\"Access denied due to invalid subscription"
                  + " key or wrong API endpoint. Make sure to provide a valid key for an active"
                  + " subscription and use a correct regional API endpoint for your resource.\"}}");
    }
  }

  @Test
  void refusesAnUnknownDeployment() throws Exception {
    HttpResponse<String> response =
        call(
            server,
            "POST",
            "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21",
            MESSAGES,
            "api-key",
            KEY);
    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(JSON.readTree(response.body()).at("/error/code").asText())
        .isEqualTo("DeploymentNotFound");
  }

  @Test
  void answersWithTheDeploymentsModelAndContentFilterResults() throws Exception {
    HttpResponse<String> response =
        call(
            server,
            "POST",
            CHAT + "?api-version=2024-10-21",
            "{\"model\":\"whatever\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}",
            "api-key",
            KEY);
    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode answer = JSON.readTree(response.body());
    assertThat(answer.path("model").asText()).isEqualTo("gpt-4o");
    assertThat(answer.path("prompt_filter_results").get(0).path("prompt_index").asInt()).isZero();
    assertThat(answer.at("/choices/0/content_filter_results").isObject()).isTrue();
    assertThat(answer.has("service_tier")).isFalse();
    assertThat(answer.at("/usage/total_tokens").asInt()).isEqualTo(26);
  }

  @Test
  void streamsAPromptFilterChunkFirstAndNoObfuscation() throws Exception {
    String body =
        call(
                server,
                "POST",
                CHAT + "?api-version=2024-10-21",
                "{\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}",
                "api-key",
                KEY,
                "x-demo-words",
                "1")
            .body();
    String[] events = body.split("\n\n");
    assertThat(events[0])
        .isEqualTo(
            "data: {\"choices\":[],\"created\":0,\"id\":\"\",\"model\":\"\",\"object\":\"\","
                + "\"prompt_filter_results\":[{\"prompt_index\":0,\"content_filter_results\":{}}]}");
    assertThat(body).doesNotContain("obfuscation").endsWith("data: [DONE]\n\n");
    assertThat(events[events.length - 2]).contains("\"usage\":{\"prompt_tokens\":5");
  }

  @Test
  void servesEmbeddingsAndTheResponsesApiByDeployment() throws Exception {
    HttpResponse<String> embeddings =
        call(
            server,
            "POST",
            "/openai/deployments/embedder/embeddings?api-version=2024-10-21",
            "{\"input\":\"a\"}",
            "api-key",
            KEY);
    assertThat(embeddings.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(embeddings.body()).path("model").asText())
        .isEqualTo("text-embedding-3-large");
    HttpResponse<String> responses =
        call(
            server,
            "POST",
            "/openai/responses?api-version=2025-03-01-preview",
            "{\"model\":\"team-a\",\"input\":\"Hi\"}",
            "api-key",
            KEY);
    assertThat(responses.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(responses.body()).path("object").asText()).isEqualTo("response");
  }

  @Test
  void refusesTheResponsesApiBeforeItsFirstApiVersionAndUnderADeployment() throws Exception {
    String body = "{\"model\":\"team-a\",\"input\":\"Hi\"}";
    HttpResponse<String> old =
        call(server, "POST", "/openai/responses?api-version=2024-10-21", body, "api-key", KEY);
    assertThat(old.statusCode()).isEqualTo(404);
    assertThat(old.body()).isEqualTo(AzureError.resourceNotFound().body());
    HttpResponse<String> deployment =
        call(
            server,
            "POST",
            "/openai/deployments/team-a/responses?api-version=2025-03-01-preview",
            body,
            "api-key",
            KEY);
    assertThat(deployment.statusCode()).isEqualTo(404);
    assertThat(deployment.body()).isEqualTo(AzureError.resourceNotFound().body());
  }

  @Test
  void servesTheV1ResponsesApiWithTheDeploymentAsModelAndNoApiVersion() throws Exception {
    String body = "{\"model\":\"team-a\",\"input\":\"Hi\"}";
    for (String path :
        List.of("/openai/v1/responses", "/openai/v1/responses?api-version=preview")) {
      HttpResponse<String> ok = call(server, "POST", path, body, "api-key", KEY);
      assertThat(ok.statusCode()).as(path).isEqualTo(200);
      JsonNode answer = JSON.readTree(ok.body());
      assertThat(answer.path("object").asText()).isEqualTo("response");
      assertThat(answer.path("model").asText()).startsWith("gpt-4o");
    }
    // The v1 API also takes the key as a Bearer token, as the plain OpenAI SDK sends it.
    assertThat(
            call(server, "POST", "/openai/v1/responses", body, "authorization", "Bearer " + KEY)
                .statusCode())
        .isEqualTo(200);
  }

  @Test
  void refusesTheV1ResponsesApiOnAWrongPathKeyVersionOrDeployment() throws Exception {
    String body = "{\"model\":\"team-a\",\"input\":\"Hi\"}";
    HttpResponse<String> version =
        call(server, "POST", "/openai/v1/responses?api-version=2024-10-21", body, "api-key", KEY);
    assertThat(version.statusCode()).isEqualTo(400);
    assertThat(version.body()).isEqualTo(AzureError.unsupportedApiVersion().body());
    for (String path : List.of("/openai/v1/response", "/openai/v1/deployments/team-a/responses")) {
      HttpResponse<String> wrong = call(server, "POST", path, body, "api-key", KEY);
      assertThat(wrong.statusCode()).as(path).isEqualTo(404);
      assertThat(wrong.body()).isEqualTo(AzureError.resourceNotFound().body());
    }
    for (String[] headers :
        List.of(
            new String[] {},
            new String[] {"api-key", "nope"},
            new String[] {"authorization", "Bearer nope"})) {
      HttpResponse<String> denied = call(server, "POST", "/openai/v1/responses", body, headers);
      assertThat(denied.statusCode()).isEqualTo(401);
      assertThat(denied.body()).isEqualTo(AzureError.accessDenied().body());
    }
    HttpResponse<String> unknown =
        call(
            server,
            "POST",
            "/openai/v1/responses",
            "{\"model\":\"gpt-4o\",\"input\":\"Hi\"}",
            "api-key",
            KEY);
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(JSON.readTree(unknown.body()).at("/error/code").asText())
        .isEqualTo("DeploymentNotFound");
  }

  @Test
  void failsADeploymentOfADemoFaultModelInAzuresShape() throws Exception {
    HttpResponse<String> response =
        call(
            server,
            "POST",
            "/openai/deployments/down/chat/completions?api-version=2024-10-21",
            MESSAGES,
            "api-key",
            KEY);
    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(JSON.readTree(response.body()).at("/error/code").asText())
        .isEqualTo("ServiceUnavailable");
  }

  @Test
  void leavesOtherPathsToTheNextEmulator() throws Exception {
    HttpResponse<String> response =
        call(server, "POST", "/v1/chat/completions", MESSAGES, "authorization", "Bearer unused");
    assertThat(response.body()).contains("you must provide a model parameter");
  }
}
