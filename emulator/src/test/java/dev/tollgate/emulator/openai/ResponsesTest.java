package dev.tollgate.emulator.openai;

import static dev.tollgate.emulator.openai.EmulatorClient.CLOCK;
import static dev.tollgate.emulator.openai.EmulatorClient.call;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.emulator.EmulatorServer;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ResponsesTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static EmulatorServer server;

  @BeforeAll
  static void start() {
    OpenAiEmulator openai =
        new OpenAiEmulator(() -> List.of(EmulatedModel.named("gpt-4.1-mini")), "sk-k", CLOCK);
    server = EmulatorServer.start("127.0.0.1", 0, List.of(openai), 0);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static HttpResponse<String> post(String body, String... headers) throws Exception {
    List<String> all = new ArrayList<>(List.of("authorization", "Bearer sk-k"));
    all.addAll(List.of(headers));
    return call(server, "POST", "/v1/responses", body, all.toArray(String[]::new));
  }

  @Test
  void answersAResponseObjectWithItsUsage() throws Exception {
    HttpResponse<String> response =
        post(
            "{\"model\":\"gpt-4.1-mini\",\"instructions\":\"Be brief\",\"input\":\"Hello there\"}",
            "x-demo-words",
            "2",
            "x-demo-cached-tokens",
            "1");
    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode answer = JSON.readTree(response.body());
    assertThat(answer.path("object").asText()).isEqualTo("response");
    assertThat(answer.path("status").asText()).isEqualTo("completed");
    assertThat(answer.path("id").asText()).startsWith("resp_");
    assertThat(answer.path("instructions").asText()).isEqualTo("Be brief");
    assertThat(answer.at("/output/0/type").asText()).isEqualTo("message");
    assertThat(answer.at("/output/0/content/0").toString())
        .isEqualTo(
            "{\"type\":\"output_text\",\"annotations\":[],\"logprobs\":[],\"text\":\"Tollgate forwarded\"}");
    assertThat(answer.path("usage").toString())
        .isEqualTo(
            "{\"input_tokens\":5,\"input_tokens_details\":{\"cached_tokens\":1},"
                + "\"output_tokens\":2,\"output_tokens_details\":{\"reasoning_tokens\":0},"
                + "\"total_tokens\":7}");
  }

  @Test
  void saysIncompleteWhenMaxOutputTokensCutsTheAnswer() throws Exception {
    JsonNode answer =
        JSON.readTree(
            post("{\"model\":\"gpt-4.1-mini\",\"input\":\"Hi\",\"max_output_tokens\":3}").body());
    assertThat(answer.path("status").asText()).isEqualTo("incomplete");
    assertThat(answer.at("/incomplete_details/reason").asText()).isEqualTo("max_output_tokens");
    assertThat(answer.path("max_output_tokens").asInt()).isEqualTo(3);
    assertThat(answer.at("/usage/output_tokens").asInt()).isEqualTo(3);
  }

  @Test
  void streamsTheNamedEventsInOrderWithSequenceNumbers() throws Exception {
    HttpResponse<String> response =
        post(
            "{\"model\":\"gpt-4.1-mini\",\"stream\":true,"
                + "\"input\":[{\"role\":\"user\",\"content\":\"Hi\"}]}",
            "x-demo-words",
            "2");
    assertThat(response.headers().firstValue("content-type"))
        .contains("text/event-stream; charset=utf-8");
    String[] events = response.body().split("\n\n");
    List<String> types = new ArrayList<>();
    for (int i = 0; i < events.length; i++) {
      String[] lines = events[i].split("\n");
      assertThat(lines).hasSize(2);
      String type = lines[0].substring("event: ".length());
      JsonNode data = JSON.readTree(lines[1].substring("data: ".length()));
      assertThat(data.path("type").asText()).isEqualTo(type);
      assertThat(data.path("sequence_number").asInt()).isEqualTo(i);
      assertThat(lines[1]).startsWith("data: {\"type\":\"" + type + "\",\"sequence_number\":" + i);
      types.add(type);
    }
    assertThat(types)
        .containsExactly(
            "response.created",
            "response.in_progress",
            "response.output_item.added",
            "response.content_part.added",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.done",
            "response.content_part.done",
            "response.output_item.done",
            "response.completed");
    assertThat(response.body()).doesNotContain("[DONE]").endsWith("}\n\n");
    JsonNode created = JSON.readTree(events[0].split("\n")[1].substring(6)).path("response");
    assertThat(created.path("status").asText()).isEqualTo("in_progress");
    assertThat(created.path("usage").isNull()).isTrue();
    assertThat(created.path("output")).isEmpty();
    JsonNode delta = JSON.readTree(events[5].split("\n")[1].substring(6));
    assertThat(delta.path("delta").asText()).isEqualTo(" forwarded");
    assertThat(delta.path("item_id").asText()).startsWith("msg_");
    JsonNode textDone = JSON.readTree(events[6].split("\n")[1].substring(6));
    assertThat(textDone.path("text").asText()).isEqualTo("Tollgate forwarded");
    JsonNode completed = JSON.readTree(events[9].split("\n")[1].substring(6)).path("response");
    assertThat(completed.path("status").asText()).isEqualTo("completed");
    assertThat(completed.at("/output/0/content/0/text").asText()).isEqualTo("Tollgate forwarded");
    assertThat(completed.path("usage").toString())
        .isEqualTo(
            "{\"input_tokens\":5,\"input_tokens_details\":{\"cached_tokens\":0},"
                + "\"output_tokens\":2,\"output_tokens_details\":{\"reasoning_tokens\":0},"
                + "\"total_tokens\":7}");
  }

  @Test
  void refusesAnUnknownModelWithTheResponsesApis400() throws Exception {
    HttpResponse<String> response = post("{\"model\":\"codex\",\"input\":\"Hi\"}");
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body())
        .isEqualTo(
            """
            {
              "error": {
                "message": "The requested model 'codex' does not exist.",
                "type": "invalid_request_error",
                "param": "model",
                "code": "model_not_found"
              }
            }""");
  }

  @Test
  void refusesARequestWithoutInput() throws Exception {
    HttpResponse<String> response = post("{\"model\":\"gpt-4.1-mini\"}");
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(response.body()).at("/error/param").asText()).isEqualTo("input");
  }
}
