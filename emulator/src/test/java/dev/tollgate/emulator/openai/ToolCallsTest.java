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

/** Chat Completions answering with a tool call, as JSON and as a stream, in OpenAI's shapes. */
class ToolCallsTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String KEY = "sk-emulator-tools-0001";
  static final String TOOLS =
      "[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":{"
          + "\"type\":\"object\",\"properties\":{\"location\":{\"type\":\"string\"},"
          + "\"unit\":{\"type\":\"string\",\"enum\":[\"celsius\",\"fahrenheit\"]},"
          + "\"days\":{\"type\":\"integer\"}},\"required\":[\"location\",\"unit\"]}}},"
          + "{\"type\":\"function\",\"function\":{\"name\":\"noop\",\"parameters\":{}}}]";
  static EmulatorServer server;

  @BeforeAll
  static void start() {
    server =
        EmulatorServer.start(
            "127.0.0.1",
            0,
            List.of(
                new OpenAiEmulator(() -> List.of(EmulatedModel.named("gpt-4o-mini")), KEY, CLOCK)),
            0);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static String chat(String extra) {
    return "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Weather?\"}],"
        + "\"tools\":"
        + TOOLS
        + extra
        + "}";
  }

  static HttpResponse<String> post(String body) throws Exception {
    return call(server, "POST", "/v1/chat/completions", body, "authorization", "Bearer " + KEY);
  }

  @Test
  void requiredToolChoiceCallsTheFirstToolWithArgumentsForItsRequiredProperties() throws Exception {
    HttpResponse<String> response = post(chat(",\"tool_choice\":\"required\""));
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode choice = JSON.readTree(response.body()).path("choices").get(0);
    assertThat(choice.path("finish_reason").asText()).isEqualTo("tool_calls");
    JsonNode message = choice.path("message");
    assertThat(message.get("content").isNull()).isTrue();
    List<String> fields = new ArrayList<>();
    message.fieldNames().forEachRemaining(fields::add);
    assertThat(fields).containsExactly("role", "content", "tool_calls", "refusal", "annotations");
    JsonNode toolCall = message.path("tool_calls").get(0);
    assertThat(toolCall.path("id").asText()).startsWith("call_");
    assertThat(toolCall.path("type").asText()).isEqualTo("function");
    assertThat(toolCall.path("function").path("name").asText()).isEqualTo("get_weather");
    assertThat(toolCall.path("function").path("arguments").asText())
        .isEqualTo("{\"location\":\"demo\",\"unit\":\"celsius\"}");
    JsonNode usage = JSON.readTree(response.body()).path("usage");
    assertThat(usage.path("completion_tokens").asInt()).isEqualTo(9);
  }

  @Test
  void aNamedToolChoiceCallsThatToolAndAutoAnswersText() throws Exception {
    HttpResponse<String> named =
        post(chat(",\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"noop\"}}"));
    JsonNode call = JSON.readTree(named.body()).path("choices").get(0).path("message");
    assertThat(call.path("tool_calls").get(0).path("function").path("name").asText())
        .isEqualTo("noop");
    assertThat(call.path("tool_calls").get(0).path("function").path("arguments").asText())
        .isEqualTo("{}");
    for (String choice : List.of("", ",\"tool_choice\":\"auto\"", ",\"tool_choice\":\"none\"")) {
      JsonNode text = JSON.readTree(post(chat(choice)).body()).path("choices").get(0);
      assertThat(text.path("finish_reason").asText()).as(choice).isEqualTo("stop");
      assertThat(text.path("message").has("tool_calls")).as(choice).isFalse();
    }
  }

  @Test
  void streamsTheCallAsOpenAiDoesIdAndNameFirstThenArgumentPieces() throws Exception {
    HttpResponse<String> response =
        post(
            chat(
                ",\"tool_choice\":\"required\",\"stream\":true,"
                    + "\"stream_options\":{\"include_usage\":true,\"include_obfuscation\":false}"));
    assertThat(response.statusCode()).isEqualTo(200);
    List<JsonNode> chunks = new ArrayList<>();
    for (String line : response.body().split("\n\n")) {
      if (!line.equals("data: [DONE]")) {
        chunks.add(JSON.readTree(line.substring("data: ".length())));
      }
    }
    assertThat(response.body()).endsWith("data: [DONE]\n\n");
    assertThat(response.body().split("\n\n")[0])
        .endsWith(
            "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":null,"
                + "\"tool_calls\":[{\"index\":0,\"id\":\""
                + chunks.get(0).at("/choices/0/delta/tool_calls/0/id").asText()
                + "\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
                + "\"arguments\":\"\"}}],\"refusal\":null},\"finish_reason\":null}],"
                + "\"usage\":null}");
    StringBuilder arguments = new StringBuilder();
    for (JsonNode chunk : chunks.subList(1, chunks.size() - 2)) {
      JsonNode delta = chunk.at("/choices/0/delta/tool_calls/0");
      assertThat(delta.path("index").asInt()).isZero();
      assertThat(delta.has("id")).isFalse();
      arguments.append(delta.path("function").path("arguments").asText());
    }
    assertThat(arguments.toString()).isEqualTo("{\"location\":\"demo\",\"unit\":\"celsius\"}");
    JsonNode finish = chunks.get(chunks.size() - 2).at("/choices/0");
    assertThat(finish.path("delta").isEmpty()).isTrue();
    assertThat(finish.path("finish_reason").asText()).isEqualTo("tool_calls");
    assertThat(chunks.get(chunks.size() - 1).at("/usage/completion_tokens").asInt()).isEqualTo(9);
  }

  /** The 35 characters of arguments cost 9 tokens; a cap of 2 leaves their first 8 characters. */
  @Test
  void anOutputCapCutsTheArgumentsWithFinishReasonLength() throws Exception {
    JsonNode choice =
        JSON.readTree(post(chat(",\"tool_choice\":\"required\",\"max_tokens\":2")).body())
            .path("choices")
            .get(0);
    assertThat(choice.path("finish_reason").asText()).isEqualTo("length");
    assertThat(choice.at("/message/tool_calls/0/function/arguments").asText())
        .isEqualTo("{\"locati");
  }

  @Test
  void refusesAToolChoiceWithoutToolsOrNamingAnotherTool() throws Exception {
    HttpResponse<String> noTools =
        post(
            "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
                + "\"tool_choice\":\"required\"}");
    assertThat(noTools.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(noTools.body()).path("error").path("param").asText())
        .isEqualTo("tool_choice");
    HttpResponse<String> other =
        post(chat(",\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"nope\"}}"));
    assertThat(other.statusCode()).isEqualTo(400);
    assertThat(other.body()).contains("function 'nope' not found in 'tools'");
  }
}
