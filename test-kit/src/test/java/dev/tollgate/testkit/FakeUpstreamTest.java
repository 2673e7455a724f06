package dev.tollgate.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

class FakeUpstreamTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP = HttpClient.newHttpClient();

  @Test
  void echoNamesItselfAndEchoesPathAndHeaders() throws Exception {
    try (FakeUpstream upstream = FakeUpstream.echo("openai")) {
      HttpResponse<String> response = post(upstream, "/v1/chat/completions?x=1", "{}", false);
      assertThat(response.statusCode()).isEqualTo(200);
      JsonNode echo = JSON.readTree(response.body());
      assertThat(echo.path("server").asText()).isEqualTo("openai");
      assertThat(echo.path("path").asText()).isEqualTo("/v1/chat/completions?x=1");
      assertThat(echo.path("headers").path("x-test").asText()).isEqualTo("yes");
      assertThat(upstream.lastHeaders()).containsEntry("x-test", "yes");

      upstream.failing(true);
      assertThat(post(upstream, "/", "{}", false).statusCode()).isEqualTo(503);
    }
  }

  @Test
  void chatCompletionsAnswersJsonOrEventsWithUsage() throws Exception {
    try (FakeUpstream upstream = FakeUpstream.chatCompletions()) {
      JsonNode answer =
          JSON.readTree(post(upstream, "/v1/chat/completions", "{\"model\":\"m\"}", false).body());
      assertThat(answer.path("model").asText()).isEqualTo("m");
      assertThat(answer.path("usage").path("completion_tokens").asInt()).isEqualTo(7);

      String stream =
          post(
                  upstream,
                  "/v1/chat/completions",
                  "{\"model\":\"m\",\"stream\":true,\"stream_options\":{\"include_usage\":true}}",
                  true)
              .body();
      assertThat(stream).contains("\"prompt_tokens\":11").endsWith("data: [DONE]\n\n");
      assertThat(upstream.lastBody().path("stream").asBoolean()).isTrue();
    }
  }

  static HttpResponse<String> post(FakeUpstream upstream, String path, String body, boolean sse)
      throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + upstream.port() + path))
            .header("x-test", "yes")
            .header("accept", sse ? "text/event-stream" : "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
