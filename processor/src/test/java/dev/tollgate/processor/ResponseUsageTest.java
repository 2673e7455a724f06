package dev.tollgate.processor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.translate.SseParser;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ResponseUsageTest {
  static final TokenEstimator ESTIMATOR = new TokenEstimator(200_000);

  static ResponseUsage sse(String stream, int... splits) {
    ResponseUsage usage = new ResponseUsage(ESTIMATOR, ESTIMATOR.forModel("gpt-4o").encoding());
    SseParser parser = new SseParser(1 << 20, usage);
    byte[] all = stream.getBytes(StandardCharsets.UTF_8);
    int from = 0;
    for (int split : splits) {
      parser.feed(all, from, split - from);
      from = split;
    }
    parser.feed(all, from, all.length - from);
    parser.finish();
    return usage;
  }

  static ResponseUsage json(String body, int split) {
    ResponseUsage usage = new ResponseUsage(ESTIMATOR, ESTIMATOR.forModel("gpt-4o").encoding());
    byte[] all = body.getBytes(StandardCharsets.UTF_8);
    usage.feedJson(Arrays.copyOfRange(all, 0, split), false);
    usage.feedJson(Arrays.copyOfRange(all, split, all.length), true);
    return usage;
  }

  static final String OPENAI_STREAM =
      "data: {\"id\":\"1\",\"model\":\"gpt-4o-2024-08-06\",\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}],\"usage\":null}\n\n"
          + "data: {\"id\":\"1\",\"choices\":[{\"delta\":{\"content\":\"Hi\"}}],\"usage\":null}\n\n"
          + "data: {\"id\":\"1\",\"choices\":[],\"usage\":{\"prompt_tokens\":20,\"completion_tokens\":3,\"total_tokens\":23,\"prompt_tokens_details\":{\"cached_tokens\":8}}}\n\n"
          + "data: [DONE]\n\n";

  @Test
  void readsOpenAiStreamUsageWhereverTheStreamIsSplit() {
    for (int i = 0; i <= OPENAI_STREAM.length(); i++) {
      ResponseUsage u = sse(OPENAI_STREAM, i);
      assertThat(u.reported().input()).as("split at %d", i).isEqualTo(20);
      assertThat(u.reported().cached()).isEqualTo(8);
      assertThat(u.reported().output()).isEqualTo(3);
      assertThat(u.responseModel()).isEqualTo("gpt-4o-2024-08-06");
      assertThat(u.sawOutput()).isTrue();
    }
  }

  @Test
  void readsAnthropicStreamsInputFromMessageStartAndOutputFromTheLastMessageDelta() {
    String stream =
        "event: message_start\n"
            + "data: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"model\":\"claude-sonnet-4\",\"content\":[],"
            + "\"usage\":{\"input_tokens\":25,\"cache_read_input_tokens\":100,\"cache_creation_input_tokens\":10,\"output_tokens\":1}}}\n\n"
            + "event: ping\ndata: {\"type\":\"ping\"}\n\n"
            + "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello\"}}\n\n"
            + "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":15}}\n\n"
            + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
    ResponseUsage u = sse(stream, 57, 300);
    assertThat(u.reported().input()).isEqualTo(135);
    assertThat(u.reported().cached()).isEqualTo(100);
    assertThat(u.reported().output()).isEqualTo(15);
    assertThat(u.responseModel()).isEqualTo("claude-sonnet-4");
  }

  @Test
  void countsOutputFromDeltasWhenTheStreamReportsNoUsage() {
    String stream =
        "data: {\"choices\":[{\"delta\":{\"content\":\"The quick brown\"}}]}\n\n"
            + "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"function\":{\"arguments\":\"{\\\"city\\\":\"}}]}}]}\n\n"
            + "data: {\"choices\":[{\"delta\":{\"content\":\" fox\"}}]}\n\n";
    ResponseUsage u = sse(stream);
    assertThat(u.reported().present()).isFalse();
    long expected =
        ESTIMATOR.count(ESTIMATOR.forModel("gpt-4o").encoding(), "The quick brown{\"city\": fox");
    assertThat(u.countedOutput()).isEqualTo(expected);
  }

  @Test
  void marksErrorEventsAndSkipsMalformedOnes() {
    ResponseUsage u =
        sse(
            "data: {not json\n\ndata: {\"choices\":[{\"delta\":{\"content\":\"ok\"}}]}\n\nevent: error\ndata: {\"error\":{\"message\":\"overloaded\"}}\n\n");
    assertThat(u.sawError()).isTrue();
    assertThat(u.sawOutput()).isTrue();
  }

  static final String OPENAI_JSON =
      "{\"id\":\"c\",\"object\":\"chat.completion\",\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,"
          + "\"message\":{\"role\":\"assistant\",\"content\":\"Hi there\"},\"logprobs\":null}],"
          + "\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":2,\"total_tokens\":11,"
          + "\"prompt_tokens_details\":{\"cached_tokens\":0,\"audio_tokens\":0}},\"system_fingerprint\":\"fp\"}";

  @Test
  void readsJsonUsageWhereverTheBodyIsSplit() {
    for (int i = 0; i <= OPENAI_JSON.length(); i++) {
      ResponseUsage u = json(OPENAI_JSON, i);
      assertThat(u.reported().input()).as("split at %d", i).isEqualTo(9);
      assertThat(u.reported().output()).isEqualTo(2);
      assertThat(u.responseModel()).isEqualTo("gpt-4o-mini");
    }
  }

  @Test
  void readsAnthropicAndResponsesApiJsonShapes() {
    ResponseUsage anthropic =
        json(
            "{\"id\":\"m\",\"type\":\"message\",\"model\":\"claude\",\"content\":[{\"type\":\"text\",\"text\":\"Hi\"}],"
                + "\"usage\":{\"input_tokens\":5,\"cache_read_input_tokens\":3,\"output_tokens\":4}}",
            10);
    assertThat(anthropic.reported().input()).isEqualTo(8);
    assertThat(anthropic.reported().cached()).isEqualTo(3);
    assertThat(anthropic.reported().output()).isEqualTo(4);
    ResponseUsage responses =
        json(
            "{\"object\":\"response\",\"model\":\"gpt-4.1\",\"output\":[{\"type\":\"message\",\"content\":[{\"type\":\"output_text\",\"text\":\"Hi\"}]}],"
                + "\"usage\":{\"input_tokens\":30,\"input_tokens_details\":{\"cached_tokens\":10},\"output_tokens\":6}}",
            40);
    assertThat(responses.reported().input()).isEqualTo(30);
    assertThat(responses.reported().cached()).isEqualTo(10);
    assertThat(responses.reported().output()).isEqualTo(6);
  }

  @Test
  void keepsWhatWasReadFromTruncatedOrInvalidJsonAndCountsTheText() {
    ResponseUsage u =
        json(
            "{\"model\":\"x\",\"choices\":[{\"message\":{\"content\":\"one two\"}}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":",
            5);
    assertThat(u.reported().input()).isEqualTo(3);
    assertThat(u.reported().output()).isEqualTo(-1);
    assertThat(u.countedOutput()).isPositive();
    byte[] bad = {'{', '"', 'm', '"', ':', '"', (byte) 0xff, '"', '}'};
    ResponseUsage invalid = new ResponseUsage(ESTIMATOR, ESTIMATOR.forModel("gpt-4o").encoding());
    invalid.feedJson(bad, true);
    assertThat(invalid.reported().present()).isFalse();
  }

  @Test
  void ignoresHugeOrNegativeUsageNumbers() {
    ResponseUsage u =
        json(
            "{\"usage\":{\"prompt_tokens\":123456789012345678901234567890,\"completion_tokens\":-4,\"total_tokens\":1e999}}",
            3);
    assertThat(u.reported().present()).isFalse();
  }
}
