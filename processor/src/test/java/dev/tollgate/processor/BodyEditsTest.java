package dev.tollgate.processor;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class BodyEditsTest {
  @Test
  void findsWhereTheModelStringLandsAfterEditsBeforeAndAfterIt() {
    String body = "{\"max_tokens\":5,\"model\":\"split\",\"n\":1}";
    int start = body.indexOf("\"split\"");
    int end = start + "\"split\"".length();
    int five = body.indexOf('5');
    List<BodyEdits.Edit> edits =
        List.of(
            BodyEdits.Edit.of(0, 1, "{\"stream_options\":{\"include_usage\":true},"),
            BodyEdits.Edit.of(five, five + 1, "4096"),
            // Insertions right before and right after the string stay outside its span.
            BodyEdits.Edit.of(start, start, ""),
            BodyEdits.Edit.of(end, end, " "),
            BodyEdits.Edit.of(body.length() - 1, body.length() - 1, ",\"x\":2"));

    String edited =
        new String(
            BodyEdits.apply(body.getBytes(StandardCharsets.UTF_8), body.length(), edits),
            StandardCharsets.UTF_8);

    int newStart = BodyEdits.shifted(start, edits);
    int newEnd = BodyEdits.shifted(end - 1, edits) + 1;
    assertThat(edited.substring(newStart, newEnd)).isEqualTo("\"split\"");
  }
}
