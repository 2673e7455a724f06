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

class OpenAiEmulatorTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String KEY = "sk-emulator-test-key-0001";
  static EmulatorServer server;

  @BeforeAll
  static void start() {
    OpenAiEmulator openai =
        new OpenAiEmulator(
            () ->
                List.of(
                    EmulatedModel.named("gpt-4o-mini"),
                    EmulatedModel.named("text-embedding-3-small"),
                    EmulatedModel.named("gpt-3.5-turbo-instruct"),
                    EmulatedModel.named("gpt-4o-mini-unavailable"),
                    EmulatedModel.named("gpt-4o-mini-ratelimited")),
            KEY,
            CLOCK);
    server = EmulatorServer.start("127.0.0.1", 0, List.of(openai), 0);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static HttpResponse<String> post(String path, String body, String... headers) throws Exception {
    String[] all = new String[headers.length + 2];
    all[0] = "authorization";
    all[1] = "Bearer " + KEY;
    System.arraycopy(headers, 0, all, 2, headers.length);
    return call(server, "POST", path, body, all);
  }

  @Test
  void refusesAnUnknownModelWithOpenAisOwn404Bytes() throws Exception {
    HttpResponse<String> response =
        post(
            "/v1/chat/completions",
            "{\"model\":\"fast\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(response.headers().firstValue("content-type"))
        .contains("application/json; charset=utf-8");
    assertThat(response.body())
        .isEqualTo(
            """
            {
                "error": {
                    "message": "The model `fast` does not exist or you do not have access to it.",
                    "type": "invalid_request_error",
                    "param": null,
                    "code": "model_not_found"
                }
            }
            """);
  }

  @Test
  void refusesAWrongKeyShowingItRedacted() throws Exception {
    HttpResponse<String> response =
        call(
            server,
            "POST",
            "/v1/chat/completions",
            "{}",
            "authorization",
            "Bearer sk-wrong-key-123456789");
    assertThat(response.statusCode()).isEqualTo(401);
    JsonNode error = JSON.readTree(response.body()).path("error");
    assertThat(error.path("message").asText())
        .isEqualTo(
            "Incorrect API key provided: sk-***************6789. You can find your API key at"
                + " https://platform.openai.com/account/api-keys.");
    assertThat(error.path("code").asText()).isEqualTo("invalid_api_key");
    assertThat(response.body()).doesNotContain("wrong-key");
  }

  @Test
  void refusesAMissingOrNonBearerKey() throws Exception {
    for (String[] headers :
        List.of(
            new String[] {}, new String[] {"api-key", KEY}, new String[] {"authorization", KEY})) {
      HttpResponse<String> response = call(server, "POST", "/v1/embeddings", "{}", headers);
      assertThat(response.statusCode()).isEqualTo(401);
      JsonNode error = JSON.readTree(response.body()).path("error");
      assertThat(error.path("message").asText()).startsWith("You didn't provide an API key.");
      assertThat(error.path("code").isNull()).isTrue();
    }
  }

  @Test
  void refusesAnUnknownPathAndAWrongMethod() throws Exception {
    HttpResponse<String> unknown = post("/v1/chat/completion", "{}");
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(unknown.body())
        .isEqualTo(
            """
            {
                "error": {
                    "message": "Invalid URL (POST /v1/chat/completion)",
                    "type": "invalid_request_error",
                    "param": null,
                    "code": null
                }
            }
            """);
    assertThat(post("/chat/completions", "{}").statusCode()).isEqualTo(404);
    HttpResponse<String> get =
        call(server, "GET", "/v1/chat/completions", null, "authorization", "Bearer " + KEY);
    assertThat(get.statusCode()).isEqualTo(405);
    assertThat(JSON.readTree(get.body()).at("/error/message").asText())
        .isEqualTo("Invalid method for URL (GET /v1/chat/completions)");
  }

  @Test
  void refusesBodiesOpenAiRefuses() throws Exception {
    assertThat(post("/v1/chat/completions", "{not json").body())
        .contains("We could not parse the JSON body of your request.");
    assertThat(post("/v1/chat/completions", "{\"messages\":[]}").body())
        .contains("you must provide a model parameter");
    HttpResponse<String> empty =
        post("/v1/chat/completions", "{\"model\":\"gpt-4o-mini\",\"messages\":[]}");
    assertThat(empty.statusCode()).isEqualTo(400);
    // Endpoint validation answers in the two-space form, as recorded.
    assertThat(empty.body())
        .isEqualTo(
            """
            {
              "error": {
                "message": "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
                "type": "invalid_request_error",
                "param": "messages",
                "code": "empty_array"
              }
            }""");
    assertThat(post("/v1/chat/completions", "{\"model\":\"gpt-4o-mini\"}").body())
        .contains("\"code\": \"missing_required_parameter\"");
    HttpResponse<String> options =
        post(
            "/v1/chat/completions",
            "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],"
                + "\"stream_options\":{\"include_usage\":true}}");
    assertThat(options.statusCode()).isEqualTo(400);
    assertThat(options.body()).contains("\"param\": \"stream_options\"");
  }

  @Test
  void refusesAModelOfAnotherKind() throws Exception {
    HttpResponse<String> chat =
        post(
            "/v1/chat/completions",
            "{\"model\":\"text-embedding-3-small\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
    assertThat(chat.statusCode()).isEqualTo(404);
    assertThat(chat.body()).contains("This is not a chat model");
    HttpResponse<String> completions =
        post("/v1/completions", "{\"model\":\"gpt-4o-mini\",\"prompt\":\"Hi\"}");
    assertThat(completions.statusCode()).isEqualTo(404);
    assertThat(completions.body()).contains("This is a chat model");
    assertThat(post("/v1/embeddings", "{\"model\":\"gpt-4o-mini\",\"input\":\"Hi\"}").statusCode())
        .isEqualTo(400);
  }

  @Test
  void answersChatJsonWithExactFieldsAndUsage() throws Exception {
    HttpResponse<String> response =
        post(
            "/v1/chat/completions",
            "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello there\"}]}",
            "x-demo-words",
            "3",
            "x-demo-cached-tokens",
            "2");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type")).contains("application/json");
    String id = JSON.readTree(response.body()).path("id").asText();
    assertThat(id).startsWith("chatcmpl-");
    assertThat(response.body())
        .isEqualTo(
            """
            {
              "id": "%s",
              "object": "chat.completion",
              "created": 1700000000,
              "model": "gpt-4o-mini",
              "choices": [
                {
                  "index": 0,
                  "message": {
                    "role": "assistant",
                    "content": "Tollgate forwarded this",
                    "refusal": null,
                    "annotations": []
                  },
                  "logprobs": null,
                  "finish_reason": "stop"
                }
              ],
              "usage": {
                "prompt_tokens": 7,
                "completion_tokens": 3,
                "total_tokens": 10,
                "prompt_tokens_details": {
                  "cached_tokens": 2,
                  "audio_tokens": 0
                },
                "completion_tokens_details": {
                  "reasoning_tokens": 0,
                  "audio_tokens": 0,
                  "accepted_prediction_tokens": 0,
                  "rejected_prediction_tokens": 0
                }
              },
              "service_tier": "default",
              "system_fingerprint": null
            }"""
                .formatted(id));
  }

  @Test
  void capsTheAnswerAtTheOutputLimitAndSaysLength() throws Exception {
    JsonNode answer =
        JSON.readTree(
            post(
                    "/v1/chat/completions",
                    "{\"model\":\"gpt-4o-mini\",\"max_completion_tokens\":2,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}")
                .body());
    assertThat(answer.at("/choices/0/finish_reason").asText()).isEqualTo("length");
    assertThat(answer.at("/usage/completion_tokens").asInt()).isEqualTo(2);
  }

  @Test
  void streamsChatChunksThenTheUsageChunkThenDone() throws Exception {
    HttpResponse<String> response =
        post(
            "/v1/chat/completions",
            "{\"model\":\"gpt-4o-mini\",\"stream\":true,"
                + "\"stream_options\":{\"include_usage\":true,\"include_obfuscation\":false},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}",
            "x-demo-words",
            "2");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type"))
        .contains("text/event-stream; charset=utf-8");
    String id = response.body().substring(13, response.body().indexOf('"', 13));
    String head =
        "data: {\"id\":\""
            + id
            + "\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
            + "\"model\":\"gpt-4o-mini\",\"service_tier\":\"default\",\"system_fingerprint\":null,";
    assertThat(response.body())
        .isEqualTo(
            head
                + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null},\"finish_reason\":null}],\"usage\":null}\n\n"
                + head
                + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Tollgate\"},\"finish_reason\":null}],\"usage\":null}\n\n"
                + head
                + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\" forwarded\"},\"finish_reason\":null}],\"usage\":null}\n\n"
                + head
                + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":null}\n\n"
                + head
                + "\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2,\"total_tokens\":7,"
                + "\"prompt_tokens_details\":{\"cached_tokens\":0,\"audio_tokens\":0},"
                + "\"completion_tokens_details\":{\"reasoning_tokens\":0,\"audio_tokens\":0,"
                + "\"accepted_prediction_tokens\":0,\"rejected_prediction_tokens\":0}}}\n\n"
                + "data: [DONE]\n\n");
  }

  @Test
  void streamsWithoutUsageFieldsUnlessAskedAndPadsWithObfuscation() throws Exception {
    String body =
        post(
                "/v1/chat/completions",
                "{\"model\":\"gpt-4o-mini\",\"stream\":true,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}",
                "x-demo-words",
                "1")
            .body();
    assertThat(body).doesNotContain("usage").endsWith("data: [DONE]\n\n");
    assertThat(body.split("\n\n")).hasSize(4);
    for (String event : body.split("\n\n")) {
      if (!event.equals("data: [DONE]")) {
        assertThat(JSON.readTree(event.substring(6)).path("obfuscation").asText()).isNotEmpty();
      }
    }
  }

  @Test
  void answersLegacyCompletionsAndTheirStream() throws Exception {
    JsonNode answer =
        JSON.readTree(
            post("/v1/completions", "{\"model\":\"gpt-3.5-turbo-instruct\",\"prompt\":\"Say hi\"}")
                .body());
    assertThat(answer.path("object").asText()).isEqualTo("text_completion");
    assertThat(answer.at("/choices/0/text").asText()).startsWith("Tollgate forwarded");
    assertThat(answer.at("/usage/completion_tokens").asInt()).isEqualTo(16);
    String stream =
        post(
                "/v1/completions",
                "{\"model\":\"gpt-3.5-turbo-instruct\",\"prompt\":\"Say hi\",\"max_tokens\":2,"
                    + "\"stream\":true,\"stream_options\":{\"include_usage\":true}}")
            .body();
    String[] events = stream.split("\n\n");
    assertThat(events).hasSize(4);
    assertThat(events[1]).contains("\"finish_reason\":\"length\"").contains("\"usage\":null");
    assertThat(events[2])
        .endsWith(
            "\"usage\":{\"prompt_tokens\":2,\"completion_tokens\":2,\"total_tokens\":4},\"choices\":[]}");
    assertThat(events[3]).isEqualTo("data: [DONE]");
  }

  @Test
  void answersEmbeddingsAsFloatsOrBase64() throws Exception {
    JsonNode floats =
        JSON.readTree(
            post(
                    "/v1/embeddings",
                    "{\"model\":\"text-embedding-3-small\",\"input\":[\"a\",\"bb\"],\"dimensions\":4}")
                .body());
    assertThat(floats.path("object").asText()).isEqualTo("list");
    assertThat(floats.path("data")).hasSize(2);
    assertThat(floats.at("/data/1/embedding")).hasSize(4);
    assertThat(floats.path("usage").toString())
        .isEqualTo("{\"prompt_tokens\":2,\"total_tokens\":2}");
    JsonNode base64 =
        JSON.readTree(
            post(
                    "/v1/embeddings",
                    "{\"model\":\"text-embedding-3-small\",\"input\":\"a\",\"encoding_format\":\"base64\"}")
                .body());
    assertThat(java.util.Base64.getDecoder().decode(base64.at("/data/0/embedding").asText()))
        .hasSize(32);
    assertThat(
            post(
                    "/v1/embeddings",
                    "{\"model\":\"text-embedding-3-small\",\"input\":\"a\",\"dimensions\":-1}")
                .body())
        .contains("-1 is less than the minimum of 1 - 'dimensions'");
  }

  @Test
  void listsOnlyTheDeclaredModels() throws Exception {
    HttpResponse<String> list =
        call(server, "GET", "/v1/models", null, "authorization", "Bearer " + KEY);
    JsonNode data = JSON.readTree(list.body()).path("data");
    assertThat(data).hasSize(5);
    assertThat(data.get(0).path("id").asText()).isEqualTo("gpt-4o-mini");
    assertThat(
            call(server, "GET", "/v1/models/nope", null, "authorization", "Bearer " + KEY)
                .statusCode())
        .isEqualTo(404);
  }

  @Test
  void failsTheDemosFaultModelsAndForcedStatuses() throws Exception {
    String chat = "{\"model\":\"%s\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
    HttpResponse<String> down =
        post("/v1/chat/completions", chat.formatted("gpt-4o-mini-unavailable"));
    assertThat(down.statusCode()).isEqualTo(503);
    assertThat(JSON.readTree(down.body()).at("/error/type").asText()).isEqualTo("server_error");
    HttpResponse<String> limited =
        post("/v1/chat/completions", chat.formatted("gpt-4o-mini-ratelimited"));
    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(limited.headers().firstValue("retry-after")).contains("1");
    assertThat(JSON.readTree(limited.body()).at("/error/code").asText())
        .isEqualTo("rate_limit_exceeded");
    assertThat(
            post("/v1/chat/completions", chat.formatted("gpt-4o-mini"), "x-demo-status", "502")
                .statusCode())
        .isEqualTo(502);
  }

  @Test
  void remembersWhatItReceived() throws Exception {
    server.clearReceived();
    post("/v1/embeddings?x=1", "{\"model\":\"text-embedding-3-small\",\"input\":\"a\"}");
    var received = server.lastReceived();
    assertThat(received.path()).isEqualTo("/v1/embeddings");
    assertThat(received.queryParameter("x")).contains("1");
    assertThat(received.header("Authorization")).contains("Bearer " + KEY);
    assertThat(received.bodyText()).contains("text-embedding-3-small");
  }
}
