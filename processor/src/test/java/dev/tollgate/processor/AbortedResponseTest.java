package dev.tollgate.processor;

import static dev.tollgate.processor.ProcessorExchangeTest.cl100k;
import static dev.tollgate.processor.ProcessorExchangeTest.metadata;
import static dev.tollgate.processor.ProcessorExchangeTest.post;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.model.Wire;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What Envoy's commit at stream done reads if a response stops anywhere: the dynamic metadata after
 * each message always holds the best evidence so far, and a complete response replaces it with the
 * exact usage.
 */
class AbortedResponseTest {
  static final ObjectMapper JSON = new ObjectMapper();

  List<String> log;
  ExtProcClient client;

  @BeforeEach
  void start() throws Exception {
    log = new CopyOnWriteArrayList<>();
    client = TestModels.client(TestModels.standard(), log);
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
  }

  /** Sends a "small" (llama, cl100k) request with max_tokens 100; returns its estimate. */
  long request(ExtProcClient.Stream s, boolean stream) throws Exception {
    s.requestHeaders(false, post("x-api-key", TestModels.ALICE_KEY));
    ProcessingResponse body =
        s.requestBody(
            "{\"model\":\"small\",\"max_tokens\":100"
                + (stream ? ",\"stream\":true" : "")
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    Map<String, String> meta = metadata(body);
    long reserve = Long.parseLong(meta.get(Wire.RESERVE_TOKENS));
    long estimate = reserve - 100;
    // Until a response says otherwise, the commit charges the whole reservation.
    assertThat(meta)
        .containsEntry(Wire.INPUT_TOKENS, Long.toString(estimate))
        .containsEntry(Wire.OUTPUT_TOKENS, "100");
    return estimate;
  }

  @Test
  void aStreamKeepsTheOutputCountedSoFarCurrentAndEndsWithTheReport() throws Exception {
    ExtProcClient.Stream s = client.open();
    long estimate = request(s, true);
    ProcessingResponse headers =
        s.responseHeaders(false, ":status", "200", "content-type", "text/event-stream");
    assertThat(metadata(headers))
        .containsEntry(Wire.INPUT_TOKENS, Long.toString(estimate))
        .containsEntry(Wire.OUTPUT_TOKENS, "0");

    ProcessingResponse first =
        s.responseBody("data: {\"choices\":[{\"delta\":{\"content\":\"one two\"}}]}\n\n", false);
    assertThat(metadata(first)).containsEntry(Wire.OUTPUT_TOKENS, Long.toString(cl100k("one two")));
    // A chunk that adds no output changes nothing, so it carries no metadata.
    ProcessingResponse keepAlive = s.responseBody(": keep-alive\n\n", false);
    assertThat(keepAlive.hasDynamicMetadata()).isFalse();
    ProcessingResponse second =
        s.responseBody("data: {\"choices\":[{\"delta\":{\"content\":\" three\"}}]}\n\n", false);
    long counted = cl100k("one two") + cl100k(" three");
    assertThat(metadata(second)).containsEntry(Wire.OUTPUT_TOKENS, Long.toString(counted));

    // The provider's report, then the end: exactly what it says, even below the count.
    s.responseBody(
        "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":2}}\n\n",
        false);
    ProcessingResponse last = s.responseBody("data: [DONE]\n\n", true);
    assertThat(metadata(last))
        .containsEntry(Wire.INPUT_TOKENS, "7")
        .containsEntry(Wire.OUTPUT_TOKENS, "2");
  }

  @Test
  void aStreamThatStopsIsLoggedWithWhatItCommits() throws Exception {
    ExtProcClient.Stream s = client.open();
    request(s, true);
    s.responseHeaders(false, ":status", "200", "content-type", "text/event-stream");
    s.responseBody("data: {\"choices\":[{\"delta\":{\"content\":\"one two three\"}}]}\n\n", false);
    s.cancel();
    Awaitility.await().until(() -> !log.isEmpty());
    var line = JSON.readTree(log.get(0));
    assertThat(line.path("aborted").asBoolean()).isTrue();
    assertThat(line.path("output_tokens").asLong()).isEqualTo(cl100k("one two three"));
    assertThat(line.path("usage_source").asText()).isEqualTo("partial");
  }

  @Test
  void aJsonAnswerChargesTheOutputReservedUntilItsEnd() throws Exception {
    ExtProcClient.Stream s = client.open();
    long estimate = request(s, false);
    ProcessingResponse headers =
        s.responseHeaders(false, ":status", "200", "content-type", "application/json");
    // Generated whole before its first byte: until its usage is read, the reservation stands.
    assertThat(metadata(headers))
        .containsEntry(Wire.INPUT_TOKENS, Long.toString(estimate))
        .containsEntry(Wire.OUTPUT_TOKENS, "100");
    ProcessingResponse middle =
        s.responseBody("{\"choices\":[{\"message\":{\"content\":\"Fine.\"}}],", false);
    assertThat(middle.hasDynamicMetadata()).isFalse();
    ProcessingResponse last =
        s.responseBody("\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":3}}", true);
    assertThat(metadata(last))
        .containsEntry(Wire.INPUT_TOKENS, "9")
        .containsEntry(Wire.OUTPUT_TOKENS, "3");
  }

  @Test
  void aBodyThatCannotBeReadChargesTheOutputReserved() throws Exception {
    ExtProcClient.Stream s = client.open();
    long estimate = request(s, false);
    ProcessingResponse headers =
        s.responseHeaders(
            false,
            ":status",
            "200",
            "content-type",
            "application/json",
            "content-encoding",
            "gzip");
    assertThat(metadata(headers))
        .containsEntry(Wire.INPUT_TOKENS, Long.toString(estimate))
        .containsEntry(Wire.OUTPUT_TOKENS, "100");
  }

  @Test
  void anErrorReplacesTheReservationWithNothingAtItsHeaders() throws Exception {
    ExtProcClient.Stream s = client.open();
    request(s, true);
    ProcessingResponse headers =
        s.responseHeaders(false, ":status", "429", "content-type", "application/json");
    assertThat(metadata(headers))
        .containsEntry(Wire.INPUT_TOKENS, "0")
        .containsEntry(Wire.OUTPUT_TOKENS, "0");
  }

  @Test
  void aTimeoutBeforeAnyAnswerKeepsChargingTheWholeReservationToItsEnd() throws Exception {
    for (boolean stream : new boolean[] {false, true}) {
      ExtProcClient.Stream s = client.open();
      long estimate = request(s, stream);
      // Envoy's own 504 (route timeout): the provider may have generated the whole answer.
      ProcessingResponse headers =
          s.responseHeaders(false, ":status", "504", "content-type", "application/json");
      assertThat(metadata(headers))
          .as("stream %s", stream)
          .containsEntry(Wire.INPUT_TOKENS, Long.toString(estimate))
          .containsEntry(Wire.OUTPUT_TOKENS, "100");
      ProcessingResponse end =
          s.responseBody(
              "{\"error\":{\"message\":\"The model provider did not answer in time.\","
                  + "\"type\":\"timeout\",\"param\":null,\"code\":\"upstream_timeout\"}}",
              true);
      assertThat(metadata(end))
          .as("stream %s, at the end", stream)
          .containsEntry(Wire.INPUT_TOKENS, Long.toString(estimate))
          .containsEntry(Wire.OUTPUT_TOKENS, "100");
    }
  }

  @Test
  void aRunningReportBelowTheCountNeverLowersWhatAnUnendedStreamCommits() throws Exception {
    ExtProcClient.Stream s = client.open();
    request(s, true);
    s.responseHeaders(false, ":status", "200", "content-type", "text/event-stream");
    // Anthropic-style: message_start reports 1 output token, then more text streams.
    s.responseBody(
        "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":"
            + "{\"input_tokens\":8,\"output_tokens\":1}}}\n\n",
        false);
    ProcessingResponse text =
        s.responseBody(
            "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"delta\":"
                + "{\"type\":\"text_delta\",\"text\":\"one two three four\"}}\n\n",
            false);
    assertThat(metadata(text))
        .containsEntry(Wire.INPUT_TOKENS, "8")
        .containsEntry(Wire.OUTPUT_TOKENS, Long.toString(cl100k("one two three four")));
  }
}
