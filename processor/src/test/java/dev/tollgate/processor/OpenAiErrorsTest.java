package dev.tollgate.processor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class OpenAiErrorsTest {
  static final ObjectMapper JSON = new ObjectMapper();

  static JsonNode normalize(int status, String body) throws Exception {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    byte[] out = OpenAiErrors.normalize(status, bytes, bytes.length, true);
    return out == null ? null : JSON.readTree(out).path("error");
  }

  @Test
  void passesOpenAiShapedErrorsUnchanged() throws Exception {
    assertThat(
            normalize(
                429,
                "{\"error\":{\"message\":\"slow down\",\"type\":\"requests\",\"code\":\"rate_limit_exceeded\"}}"))
        .isNull();
    assertThat(
            normalize(
                404,
                "{\"type\":\"error\",\"error\":{\"type\":\"not_found_error\",\"message\":\"no\"}}"))
        .isNull();
  }

  @Test
  void rewritesOtherShapesKeepingTheirMessage() throws Exception {
    assertThat(normalize(500, "{\"error\":\"model crashed\"}").path("message").asText())
        .isEqualTo("model crashed");
    JsonNode vllm =
        normalize(
            400,
            "{\"object\":\"error\",\"message\":\"bad\",\"type\":\"BadRequestError\",\"param\":null,\"code\":400}");
    assertThat(vllm.path("message").asText()).isEqualTo("bad");
    assertThat(vllm.path("code").asText()).isEqualTo("400");
    assertThat(normalize(422, "{\"detail\":\"field required\"}").path("message").asText())
        .isEqualTo("field required");
    JsonNode html = normalize(502, "<html>Bad Gateway</html>");
    assertThat(html.path("message").asText()).contains("HTTP 502");
    assertThat(html.path("type").asText()).isEqualTo("server_error");
    assertThat(html.path("code").asText()).isEqualTo("upstream_error");
    assertThat(normalize(503, "").path("type").asText()).isEqualTo("server_error");
  }

  @Test
  void truncatedBodiesGetTheGenericMessage() throws Exception {
    byte[] bytes = "{\"error\":{\"message\":\"x\"}}".getBytes(StandardCharsets.UTF_8);
    JsonNode error = JSON.readTree(OpenAiErrors.normalize(500, bytes, 10, false)).path("error");
    assertThat(error.path("message").asText()).contains("HTTP 500");
  }

  @Test
  void quotesControlCharactersAndLoneSurrogates() throws Exception {
    JsonNode error =
        JSON.readTree(OpenAiErrors.body("a\"b\\c\n\u0001\ud800", "t", null, null)).path("error");
    assertThat(error.path("message").asText()).isEqualTo("a\"b\\c\n\u0001\ud800");
    assertThat(error.path("code").isNull()).isTrue();
  }
}
