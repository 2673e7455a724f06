package dev.tollgate.emulator.openai;

import static dev.tollgate.emulator.openai.EmulatorClient.CLOCK;
import static dev.tollgate.emulator.openai.EmulatorClient.call;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.emulator.EmulatorServer;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ReasoningParametersTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String KEY = "sk-emulator-reasoning-0001";
  static EmulatorServer server;

  @BeforeAll
  static void start() {
    OpenAiEmulator openai =
        new OpenAiEmulator(
            () ->
                List.of(
                    EmulatedModel.named("o4-mini"),
                    EmulatedModel.named("gpt-5-mini"),
                    EmulatedModel.named("gpt-4o-mini")),
            KEY,
            CLOCK);
    server = EmulatorServer.start("127.0.0.1", 0, List.of(openai), 0);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static HttpResponse<String> chat(String model, String extra) throws Exception {
    return call(
        server,
        "POST",
        "/v1/chat/completions",
        "{\"model\":\""
            + model
            + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]"
            + extra
            + "}",
        "authorization",
        "Bearer " + KEY);
  }

  private static JsonNode error(HttpResponse<String> response) throws Exception {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
    return JSON.readTree(response.body()).path("error");
  }

  @Test
  void aReasoningModelRefusesMaxTokensInOpenAisWords() throws Exception {
    HttpResponse<String> response = chat("o4-mini", ",\"max_tokens\":64");
    assertThat(response.body())
        .isEqualTo(
            """
            {
              "error": {
                "message": "Unsupported parameter: 'max_tokens' is not supported with this model.\
             Use 'max_completion_tokens' instead.",
                "type": "invalid_request_error",
                "param": "max_tokens",
                "code": "unsupported_parameter"
              }
            }""");
    assertThat(chat("o4-mini", ",\"max_completion_tokens\":64").statusCode()).isEqualTo(200);
  }

  @Test
  void aReasoningModelTakesOnlyItsEffortsAndTheDefaultTemperature() throws Exception {
    assertThat(chat("o4-mini", ",\"reasoning_effort\":\"high\"").statusCode()).isEqualTo(200);
    assertThat(chat("gpt-5-mini", ",\"reasoning_effort\":\"minimal\"").statusCode()).isEqualTo(200);
    JsonNode effort = error(chat("o4-mini", ",\"reasoning_effort\":\"minimal\""));
    assertThat(effort.path("param").asText()).isEqualTo("reasoning_effort");
    assertThat(effort.path("code").asText()).isEqualTo("unsupported_value");
    assertThat(effort.path("message").asText())
        .endsWith("Supported values are: 'low', 'medium', and 'high'.");
    JsonNode temperature = error(chat("o4-mini", ",\"temperature\":0.2"));
    assertThat(temperature.path("message").asText())
        .isEqualTo(
            "Unsupported value: 'temperature' does not support 0.2 with this model. Only the"
                + " default (1) value is supported.");
    assertThat(chat("o4-mini", ",\"temperature\":1").statusCode()).isEqualTo(200);
  }

  @Test
  void aModelThatDoesNotReasonRefusesReasoningEffort() throws Exception {
    JsonNode refused = error(chat("gpt-4o-mini", ",\"reasoning_effort\":\"low\""));
    assertThat(refused.path("message").asText())
        .isEqualTo("Unsupported parameter: 'reasoning_effort' is not supported with this model.");
    assertThat(refused.path("code").asText()).isEqualTo("unsupported_parameter");
    assertThat(chat("gpt-4o-mini", ",\"max_tokens\":8").statusCode()).isEqualTo(200);
  }
}
