package dev.tollgate.emulator.openai;

import static dev.tollgate.emulator.openai.EmulatorClient.CLOCK;
import static dev.tollgate.emulator.openai.EmulatorClient.call;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.tollgate.emulator.AnsweredRequest;
import dev.tollgate.emulator.EmulatorServer;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/** OpenAI-compatible servers: another API path, the key in another header, an outage. */
class CompatibleServerTest {
  static final String CHAT =
      "{\"model\":\"gemini-2.0-flash\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

  static EmulatorServer serve(OpenAiEmulator emulator) {
    return EmulatorServer.start("127.0.0.1", 0, List.of(emulator), 0);
  }

  static OpenAiEmulator gemini() {
    return new OpenAiEmulator(() -> List.of(EmulatedModel.named("gemini-2.0-flash")), "g-1", CLOCK);
  }

  @Test
  void servesUnderItsApiPathOnlyAndRecordsWhatItAnswered() throws Exception {
    try (EmulatorServer server = serve(gemini().at("/v1beta/openai"))) {
      HttpResponse<String> served =
          call(
              server,
              "POST",
              "/v1beta/openai/chat/completions",
              CHAT,
              "authorization",
              "Bearer g-1");
      assertThat(served.statusCode()).as(served.body()).isEqualTo(200);
      assertThat(served.body()).contains("\"model\": \"gemini-2.0-flash\"");
      HttpResponse<String> openaisPath =
          call(server, "POST", "/v1/chat/completions", CHAT, "authorization", "Bearer g-1");
      assertThat(openaisPath.statusCode()).isEqualTo(404);
      assertThat(openaisPath.body()).contains("Invalid URL (POST /v1/chat/completions)");
      HttpResponse<String> models =
          call(server, "GET", "/v1beta/openai/models", null, "authorization", "Bearer g-1");
      assertThat(models.body()).contains("\"id\": \"gemini-2.0-flash\"");

      assertThat(server.answered())
          .extracting(a -> a.request().path(), AnsweredRequest::status)
          .containsExactly(
              tuple("/v1beta/openai/chat/completions", 200),
              tuple("/v1/chat/completions", 404),
              tuple("/v1beta/openai/models", 200));
    }
  }

  @Test
  void readsItsKeyFromItsOwnHeaderAndSchemeOnly() throws Exception {
    try (EmulatorServer server = serve(gemini().keyIn("x-goog-api-key", ""))) {
      assertThat(
              call(server, "POST", "/v1/chat/completions", CHAT, "x-goog-api-key", "g-1")
                  .statusCode())
          .isEqualTo(200);
      HttpResponse<String> bearer =
          call(server, "POST", "/v1/chat/completions", CHAT, "authorization", "Bearer g-1");
      assertThat(bearer.statusCode()).isEqualTo(401);
      assertThat(bearer.body()).contains("You didn't provide an API key.");
      HttpResponse<String> wrong =
          call(server, "POST", "/v1/chat/completions", CHAT, "x-goog-api-key", "g-2-wrong-key");
      assertThat(wrong.statusCode()).isEqualTo(401);
      assertThat(wrong.body()).contains("\"code\": \"invalid_api_key\"");
    }
    try (EmulatorServer server = serve(gemini().keyIn("Authorization", "Token "))) {
      assertThat(
              call(server, "POST", "/v1/chat/completions", CHAT, "authorization", "Token g-1")
                  .statusCode())
          .isEqualTo(200);
    }
  }

  @Test
  void inAnOutageAnswers503OnlyAfterItsOwnChecks() throws Exception {
    try (EmulatorServer server = serve(gemini().unavailable())) {
      HttpResponse<String> down =
          call(server, "POST", "/v1/chat/completions", CHAT, "authorization", "Bearer g-1");
      assertThat(down.statusCode()).isEqualTo(503);
      assertThat(down.body()).contains("\"type\": \"server_error\"");
      HttpResponse<String> unknown =
          call(
              server,
              "POST",
              "/v1/chat/completions",
              CHAT.replace("gemini-2.0-flash", "fast"),
              "authorization",
              "Bearer g-1");
      assertThat(unknown.statusCode()).isEqualTo(404);
      assertThat(server.answered()).extracting(AnsweredRequest::status).containsExactly(503, 404);
    }
  }

  @Test
  void anOpenModelNamedInstructIsAChatModelAsVllmServesIt() {
    assertThat(ModelKind.guess("llama-3.1-8b-instruct")).isEqualTo(ModelKind.CHAT);
    assertThat(ModelKind.guess("Mistral-7B-Instruct-v0.3")).isEqualTo(ModelKind.CHAT);
    assertThat(ModelKind.guess("gpt-3.5-turbo-instruct")).isEqualTo(ModelKind.COMPLETION);
    assertThat(ModelKind.guess("davinci-002")).isEqualTo(ModelKind.COMPLETION);
  }

  @Test
  void refusesAnApiPathThatIsNotOne() {
    assertThatThrownBy(() -> gemini().at("/v1/")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> gemini().at("v1")).isInstanceOf(IllegalArgumentException.class);
  }
}
