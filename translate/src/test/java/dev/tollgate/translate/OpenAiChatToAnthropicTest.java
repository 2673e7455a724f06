package dev.tollgate.translate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class OpenAiChatToAnthropicTest {
  private static final RequestOptions OPTIONS =
      new RequestOptions("claude-sonnet-4-5", 1024, TranslationGoldenTest.CLOCK);

  private static Translation translate(String body) throws UntranslatableRequest {
    return RequestTranslator.OPENAI_CHAT_TO_ANTHROPIC.translate(
        body.getBytes(StandardCharsets.UTF_8), OPTIONS);
  }

  @Test
  void writesTheReservationsCapWhenTheClientSetNone() throws Exception {
    String body =
        new String(
            translate("{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}").body(),
            StandardCharsets.UTF_8);
    assertThat(body).contains("\"max_tokens\":1024").contains("\"model\":\"claude-sonnet-4-5\"");
  }

  @Test
  void refusesDifferingOutputCaps() {
    assertThatThrownBy(
            () ->
                translate(
                    "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],"
                        + "\"max_tokens\":10,\"max_completion_tokens\":20}"))
        .isInstanceOfSatisfying(
            UntranslatableRequest.class, e -> assertThat(e.field()).isEqualTo("max_tokens"));
  }

  @Test
  void anOversizedStreamEventEndsTheStreamWithAnError() throws Exception {
    StreamTranslator stream =
        translate("{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"stream\":true}")
            .stream();
    String start =
        "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\","
            + "\"model\":\"c\",\"usage\":{\"input_tokens\":3}}}\n\n";
    StringBuilder huge = new StringBuilder("event: content_block_delta\ndata: ");
    huge.append("x".repeat(AnthropicStreamToChat.MAX_EVENT_BYTES + 1)).append("\n\n");
    String out =
        new String(
                stream.next(start.getBytes(StandardCharsets.UTF_8), false), StandardCharsets.UTF_8)
            + new String(
                stream.next(huge.toString().getBytes(StandardCharsets.UTF_8), true),
                StandardCharsets.UTF_8);
    assertThat(out).contains("larger than Tollgate translates").doesNotContain("[DONE]");
    assertThat(stream.complete()).isFalse();
    assertThat(stream.usage().inputTokens()).isEqualTo(3);
  }

  @Test
  void bytesAfterMessageStopAreIgnored() throws Exception {
    StreamTranslator stream =
        translate("{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"stream\":true}")
            .stream();
    String events =
        "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\"}}\n\n"
            + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
    stream.next(events.getBytes(StandardCharsets.UTF_8), false);
    assertThat(stream.next("garbage\n\n".getBytes(StandardCharsets.UTF_8), true)).isEmpty();
    assertThat(stream.complete()).isTrue();
  }
}
