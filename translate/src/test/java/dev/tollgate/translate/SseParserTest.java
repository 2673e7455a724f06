package dev.tollgate.translate;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseParserTest {
  static List<String> parse(int max, byte[]... chunks) {
    List<String> events = new ArrayList<>();
    SseParser parser =
        new SseParser(
            max,
            (type, data, length) ->
                events.add(type + "|" + new String(data, 0, length, StandardCharsets.UTF_8)));
    for (byte[] chunk : chunks) {
      parser.feed(chunk, 0, chunk.length);
    }
    parser.finish();
    return events;
  }

  static final String STREAM =
      ": keep-alive\r\n\r\n"
          + "event: message_start\r\ndata: {\"a\":1}\r\n\r\n"
          + "data: line one\ndata: line two\n\n"
          + "id: 7\nretry: 100\ndata:no-space\n\n"
          + ":comment\r"
          + "data: cr only\r\r"
          + "data: ünïcödé\n\n"
          + "\n\n\n"
          + "data: [DONE]\n\n";

  static final List<String> EVENTS =
      List.of(
          "message_start|{\"a\":1}",
          "null|line one\nline two",
          "null|no-space",
          "null|cr only",
          "null|ünïcödé",
          "null|[DONE]");

  @Test
  void parsesLfCrlfAndCrLineEndsCommentsAndMultiLineData() {
    assertThat(parse(1024, STREAM.getBytes(StandardCharsets.UTF_8))).isEqualTo(EVENTS);
  }

  @Test
  void givesTheSameEventsWhereverTheStreamIsSplit() {
    byte[] all = STREAM.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i <= all.length; i++) {
      for (int j = i; j <= all.length; j += 7) {
        byte[] a = java.util.Arrays.copyOfRange(all, 0, i);
        byte[] b = java.util.Arrays.copyOfRange(all, i, j);
        byte[] c = java.util.Arrays.copyOfRange(all, j, all.length);
        assertThat(parse(1024, a, b, c)).as("split at %d and %d", i, j).isEqualTo(EVENTS);
      }
    }
  }

  @Test
  void givesTheSameEventsFedOneByteAtATime() {
    byte[] all = STREAM.getBytes(StandardCharsets.UTF_8);
    byte[][] bytes = new byte[all.length][];
    for (int i = 0; i < all.length; i++) {
      bytes[i] = new byte[] {all[i]};
    }
    assertThat(parse(1024, bytes)).isEqualTo(EVENTS);
  }

  @Test
  void dropsAnEventLargerThanTheLimitAndGoesOn() {
    String big =
        "data: "
            + "x".repeat(5000)
            + "\n\ndata: small\n\ndata: "
            + "y".repeat(600)
            + "\ndata: "
            + "z".repeat(600)
            + "\n\ndata: after\n\n";
    assertThat(parse(1024, big.getBytes(StandardCharsets.UTF_8)))
        .containsExactly("null|small", "null|after");
  }

  @Test
  void deliversALastEventWithoutItsBlankLine() {
    assertThat(parse(1024, "data: a\n\ndata: b".getBytes(StandardCharsets.UTF_8)))
        .containsExactly("null|a", "null|b");
    assertThat(parse(1024, "data: a\n".getBytes(StandardCharsets.UTF_8))).containsExactly("null|a");
  }

  @Test
  void ignoresEventsWithoutDataAndUnknownFields() {
    assertThat(parse(1024, "event: ping\n\nfoo: bar\n\n:x\n\n".getBytes(StandardCharsets.UTF_8)))
        .isEmpty();
  }
}
