package dev.tollgate.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RequestBodyParserTest {
  static final ObjectMapper JSON = new ObjectMapper();

  static RequestBody parse(String body) throws Exception {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    return new RequestBodyParser(1024).parse(bytes, bytes.length);
  }

  static JsonNode withUsage(String body) throws Exception {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    RequestBody parsed = new RequestBodyParser(1024).parse(bytes, bytes.length);
    return JSON.readTree(BodyEdits.apply(bytes, bytes.length, parsed.usageEdits()));
  }

  @Test
  void readsTheFieldsTheEstimateNeedsWhereverTheyAre() throws Exception {
    RequestBody b =
        parse(
            "{\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
                + "{\"role\":\"user\",\"name\":\"ann\",\"content\":[{\"type\":\"text\",\"text\":\"Hi\"},"
                + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,AAAA\"}}]}],"
                + "\"stream\":true,\"max_tokens\":20,\"max_completion_tokens\":20,\"n\":3,\"model\":\"m\"}");
    assertThat(b.model()).isEqualTo("m");
    assertThat(b.stream()).isTrue();
    assertThat(b.maxOutputTokens()).isEqualTo(20);
    assertThat(b.choices()).isEqualTo(3);
    assertThat(b.messages()).isEqualTo(2);
    assertThat(b.names()).isEqualTo(1);
    assertThat(b.images()).isEqualTo(1);
    assertThat(b.text().toString()).isEqualTo("Be brief.\nann\nHi\n").doesNotContain("base64");
  }

  @Test
  void modelSpanCoversTheStringLiteralWithEscapes() throws Exception {
    String body = "{\"model\":\"a\\\"b\\\\\",\"x\":1}";
    RequestBody b = parse(body);
    assertThat(b.model()).isEqualTo("a\"b\\");
    assertThat(body.substring(b.modelStart(), b.modelEnd())).isEqualTo("\"a\\\"b\\\\\"");
  }

  @Test
  void usageIsRequestedInEveryShapeOfStreamOptionsWithoutLosingOtherFields() throws Exception {
    assertThat(
            withUsage("{\"model\":\"m\"}").path("stream_options").path("include_usage").asBoolean())
        .isTrue();
    assertThat(
            withUsage("{\"model\":\"m\",\"stream_options\":null}")
                .path("stream_options")
                .path("include_usage")
                .asBoolean())
        .isTrue();
    assertThat(
            withUsage("{\"model\":\"m\",\"stream_options\":{}}")
                .path("stream_options")
                .path("include_usage")
                .asBoolean())
        .isTrue();
    JsonNode kept =
        withUsage(
            "{\"model\":\"m\",\"stream_options\":{\"include_obfuscation\":false,\"include_usage\":false}}");
    assertThat(kept.path("stream_options").path("include_usage").asBoolean()).isTrue();
    assertThat(kept.path("stream_options").has("include_obfuscation")).isTrue();
    JsonNode other = withUsage("{\"model\":\"m\",\"stream_options\":{\"x\":[1,{\"y\":2}]}}");
    assertThat(other.path("stream_options").path("x").get(1).path("y").asInt()).isEqualTo(2);
    assertThat(
            withUsage("{\"model\":\"m\",\"stream_options\":{\"include_usage\":\"no\"}}")
                .path("stream_options")
                .path("include_usage")
                .asBoolean())
        .isTrue();
    assertThat(parse("{\"model\":\"m\",\"stream_options\":{\"include_usage\":true}}").usageEdits())
        .isEmpty();
    assertThat(parse("{\"model\":\"m\",\"stream_options\":7}").usageEdits()).isEmpty();
  }

  @Test
  void refusesDuplicateKeysAnywhere() {
    assertThatThrownBy(() -> parse("{\"model\":\"a\",\"model\":\"b\"}"))
        .isInstanceOf(RequestBodyParser.InvalidBodyException.class)
        .hasMessageContaining("Duplicate field");
    assertThatThrownBy(
            () -> parse("{\"model\":\"a\",\"messages\":[{\"role\":\"user\",\"role\":\"system\"}]}"))
        .isInstanceOf(RequestBodyParser.InvalidBodyException.class);
  }

  @Test
  void refusesTruncatedTrailingAndNonObjectBodies() {
    for (String body :
        new String[] {
          "",
          "{",
          "{\"model\":\"a\"",
          "{\"model\":\"a\",",
          "[]",
          "\"m\"",
          "null",
          "{\"model\":\"a\"}x",
          "{\"model\":\"a\"}{}",
          "{\"model\":\"a\",\"messages\":[{\"content\":\"x\"}"
        }) {
      assertThatThrownBy(() -> parse(body))
          .as(body)
          .isInstanceOf(RequestBodyParser.InvalidBodyException.class);
    }
  }

  @Test
  void refusesNestingDeeperThanTheLimitWithoutRecursingIntoIt() {
    String deep =
        "{\"model\":\"a\",\"messages\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}";
    assertThatThrownBy(() -> parse(deep))
        .isInstanceOf(RequestBodyParser.InvalidBodyException.class);
    String deepObjects =
        "{\"model\":\"a\",\"tools\":" + "{\"a\":".repeat(5000) + "1" + "}".repeat(5000) + "}";
    assertThatThrownBy(() -> parse(deepObjects))
        .isInstanceOf(RequestBodyParser.InvalidBodyException.class);
  }

  @Test
  void hugeCapsSaturateAndNullMeansNone() throws Exception {
    assertThat(parse("{\"model\":\"a\",\"max_tokens\":99999999999999999999999}").maxOutputTokens())
        .isEqualTo(Long.MAX_VALUE);
    assertThat(parse("{\"model\":\"a\",\"max_tokens\":null}").maxOutputTokens()).isEqualTo(-1);
    assertThat(
            parse("{\"model\":\"a\",\"max_tokens\":null,\"max_output_tokens\":7}")
                .maxOutputTokens())
        .isEqualTo(7);
    assertThat(parse("{\"model\":\"a\",\"n\":128,\"best_of\":null}").choices()).isEqualTo(128);
    assertThat(parse("{\"model\":\"a\",\"n\":2,\"best_of\":5}").choices()).isEqualTo(5);
    assertThatThrownBy(() -> parse("{\"model\":\"a\",\"max_tokens\":" + "9".repeat(100) + "}"))
        .isInstanceOf(RequestBodyParser.InvalidBodyException.class);
  }

  /**
   * Values that lax providers read as numbers (a string, a float, 1e5) or that the processor and a
   * provider would read differently (a repeated key, two caps that disagree) are refused: the
   * reservation must count what the provider will obey.
   */
  @Test
  void refusesCapsAndChoicesThatAreNotOneWholeNumber() {
    String[][] cases = {
      {"\"max_tokens\":\"30000\"", "max_tokens", "invalid_type"},
      {"\"max_tokens\":100.0", "max_tokens", "invalid_type"},
      {"\"max_tokens\":1e5", "max_tokens", "invalid_type"},
      {"\"max_tokens\":[1]", "max_tokens", "invalid_type"},
      {"\"max_completion_tokens\":-5", "max_completion_tokens", "invalid_value"},
      {"\"max_output_tokens\":-99999999999999999999999", "max_output_tokens", "invalid_value"},
      {"\"max_tokens\":1,\"max_tokens\":99999", "max_tokens", "invalid_request_body"},
      {"\"max_tokens\":10,\"max_completion_tokens\":20", "max_completion_tokens", "invalid_value"},
      {"\"max_output_tokens\":10,\"max_tokens\":20", "max_tokens", "invalid_value"},
      {"\"n\":\"64\"", "n", "invalid_type"},
      {"\"n\":0", "n", "invalid_value"},
      {"\"n\":129", "n", "invalid_value"},
      {"\"n\":1.5", "n", "invalid_type"},
      {"\"best_of\":1000", "best_of", "invalid_value"},
    };
    for (String[] c : cases) {
      assertThatThrownBy(() -> parse("{\"model\":\"a\"," + c[0] + "}"))
          .as(c[0])
          .isInstanceOfSatisfying(
              RequestBodyParser.InvalidBodyException.class,
              e -> {
                assertThat(e.param()).isEqualTo(c[1]);
                assertThat(e.code()).isEqualTo(c[2]);
              });
    }
  }

  @Test
  void refusesInvalidUtf8() {
    byte[] body = {
      '{', '"', 'm', 'o', 'd', 'e', 'l', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'
    };
    assertThatThrownBy(() -> new RequestBodyParser(1024).parse(body, body.length))
        .isInstanceOf(RequestBodyParser.InvalidBodyException.class);
    byte[] overlong = {
      '{',
      '"',
      'm',
      'o',
      'd',
      'e',
      'l',
      '"',
      ':',
      '"',
      (byte) 0xF8,
      (byte) 0x88,
      (byte) 0x80,
      (byte) 0x80,
      (byte) 0x80,
      '"',
      '}'
    };
    assertThatThrownBy(() -> new RequestBodyParser(1024).parse(overlong, overlong.length))
        .isInstanceOf(RequestBodyParser.InvalidBodyException.class);
  }

  @Test
  void keepsOnlyThePrefixOfAHugePromptButItsWholeLength() throws Exception {
    String prompt = "word ".repeat(10_000);
    RequestBody b = parse("{\"model\":\"a\",\"prompt\":[\"" + prompt + "\",\"" + prompt + "\"]}");
    assertThat(b.text().length()).isLessThanOrEqualTo(1025);
    assertThat(b.textChars()).isEqualTo(2L * (prompt.length() + 1));
  }

  @Test
  void countsTokenIdPromptsAndLoneSurrogatesDoNotBreakTheEstimate() throws Exception {
    assertThat(parse("{\"model\":\"a\",\"prompt\":[[1,2,3],[4]]}").tokenIds()).isEqualTo(4);
    RequestBody b = parse("{\"model\":\"a\",\"input\":\"\\ud800 x \\udfff\"}");
    TokenEstimator estimator = new TokenEstimator(1024);
    assertThat(
            estimator.countExtrapolated(
                estimator.forModel("llama").encoding(), b.text(), b.textChars()))
        .isPositive();
  }
}
