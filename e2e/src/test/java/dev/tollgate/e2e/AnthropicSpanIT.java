package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.emulator.EmulatorServer;
import dev.tollgate.emulator.ReceivedRequest;
import dev.tollgate.emulator.anthropic.AnthropicEmulator;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every attempt to an Anthropic backend carries its own model, through {@code tollgate run} and a
 * real Envoy: a split across two Claude models at two providers, and a fallback from an overloaded
 * Claude model to another, for native {@code /v1/messages} bodies and for chat completions the
 * processor translates to Messages. Each provider is the strict Anthropic emulator offering exactly
 * one model under its own key; the test also reads the model each one received.
 */
class AnthropicSpanIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String KEY = "tg-e2e-alice-key-0001";
  static final String SONNET = "claude-sonnet-4-5";
  static final String HAIKU = "claude-haiku-4-5";
  static final String OPUS = "claude-opus-4-1-overloaded";

  static RecordingEmulator sonnet;
  static RecordingEmulator haiku;
  static RecordingEmulator opus;
  static TollgateRun gateway;

  @BeforeAll
  static void start() {
    sonnet = new RecordingEmulator(SONNET, "sk-ant-sonnet-e2e-0001");
    haiku = new RecordingEmulator(HAIKU, "sk-ant-haiku-e2e-0002");
    opus = new RecordingEmulator(OPUS, "sk-ant-opus-e2e-0003");
    gateway =
        TollgateRun.start(
            "anthropic-span",
            Path.of("target/e2e/anthropic-span").toAbsolutePath(),
            Map.of("SONNET_URL", sonnet.url(), "HAIKU_URL", haiku.url(), "OPUS_URL", opus.url()));
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.close();
    }
    for (RecordingEmulator e : new RecordingEmulator[] {sonnet, haiku, opus}) {
      if (e != null) {
        e.close();
      }
    }
  }

  /** A Messages body whose text and tool schema mention a {@code model}: only the top one moves. */
  static String messages(String model) {
    return "{\"max_tokens\":8,\"messages\":[{\"role\":\"user\",\"content\":"
        + "\"Say \\\"model\\\":\\\"fast\\\" back, \u00e9t\u00e9 \u2603\"}],"
        + "\"model\" : \""
        + model
        + "\",\"tools\":[{\"name\":\"pick\",\"input_schema\":{\"type\":\"object\","
        + "\"properties\":{\"model\":{\"type\":\"string\"}}}}]}";
  }

  /**
   * A chat completion whose {@code model} comes last: the translated body puts it elsewhere, so
   * only a span marked on the translated bytes points at it.
   */
  static String chat(String model) {
    return "{\"messages\":[{\"role\":\"system\",\"content\":\"Be brief, \u00e9t\u00e9\"},"
        + "{\"role\":\"user\",\"content\":\"Say \\\"model\\\":\\\"fast\\\" back\"}],"
        + "\"max_tokens\":8,\"model\":\""
        + model
        + "\"}";
  }

  static HttpResponse<String> post(String path, String body) {
    return gateway.post(path, KEY, body, Map.of());
  }

  @Test
  void aSplitAcrossClaudeModelsSendsEachProviderItsOwnModel() throws Exception {
    int opusBefore = opus.models().size();
    splitUntilBothAnswer(false);
    assertThat(opus.models()).as("nothing of the canary went to opus").hasSize(opusBefore);
  }

  /**
   * A streamed split: the processor edits the body before it marks the span (stream_options on a
   * chat completion, then the translation), and each provider still gets its own model; the client
   * gets its own API's stream.
   */
  @Test
  void aStreamedSplitAcrossClaudeModelsSendsEachProviderItsOwnModel() throws Exception {
    splitUntilBothAnswer(true);
  }

  /**
   * Sends {@code claude-canary}, native and translated, until both halves of the split answered (at
   * most 40 requests each), every answer in the client's API; then checks each provider received
   * only its own model.
   */
  static void splitUntilBothAnswer(boolean stream) throws Exception {
    for (String path : List.of("/v1/messages", "/v1/chat/completions")) {
      boolean nativeCall = path.equals("/v1/messages");
      int sonnetBefore = sonnet.models().size();
      int haikuBefore = haiku.models().size();
      String body = nativeCall ? messages("claude-canary") : chat("claude-canary");
      if (stream) {
        body = body.replace("\"max_tokens\":8", "\"max_tokens\":8,\"stream\":true");
      }
      for (int i = 0;
          i < 40
              && (sonnet.models().size() == sonnetBefore || haiku.models().size() == haikuBefore);
          i++) {
        HttpResponse<String> response = post(path, body);
        assertThat(response.statusCode()).as("%s: %s", path, response.body()).isEqualTo(200);
        if (stream) {
          assertThat(response.body())
              .as(path)
              .contains(nativeCall ? "event: message_stop" : "data: [DONE]");
        } else {
          JsonNode answer = JSON.readTree(response.body());
          assertThat(answer.path(nativeCall ? "type" : "object").asText())
              .as(path)
              .isEqualTo(nativeCall ? "message" : "chat.completion");
        }
      }
      assertThat(sonnet.models())
          .as("40 %s requests (stream %s) reached sonnet", path, stream)
          .hasSizeGreaterThan(sonnetBefore);
      assertThat(haiku.models())
          .as("40 %s requests (stream %s) reached haiku", path, stream)
          .hasSizeGreaterThan(haikuBefore);
    }
    assertThat(sonnet.models()).as("sonnet received only its model").containsOnly(SONNET);
    assertThat(haiku.models()).as("haiku received only its model").containsOnly(HAIKU);
  }

  @Test
  void aFallbackAcrossClaudeModelsSendsEachTierItsOwnModel() throws Exception {
    for (String path : List.of("/v1/messages", "/v1/chat/completions")) {
      int opusBefore = opus.models().size();
      int sonnetBefore = sonnet.models().size();
      String body = path.equals("/v1/messages") ? messages("claude-best") : chat("claude-best");
      HttpResponse<String> response = post(path, body);
      assertThat(response.statusCode()).as("%s: %s", path, response.body()).isEqualTo(200);
      assertThat(opus.models().subList(opusBefore, opus.models().size()))
          .as("%s: opus was tried first with its own model", path)
          .isNotEmpty()
          .containsOnly(OPUS);
      assertThat(sonnet.models().subList(sonnetBefore, sonnet.models().size()))
          .as("%s: sonnet answered the fallback with its own model", path)
          .containsExactly(SONNET);
    }
    assertThat(haiku.models()).as("no fallback went to haiku").doesNotContain(SONNET, OPUS);
  }

  /**
   * The strict Anthropic emulator offering one model under one key, on an {@link EmulatorServer}
   * that records the {@code model} of every request it received (before the emulator judges it).
   */
  static final class RecordingEmulator implements AutoCloseable {
    private final EmulatorServer server;

    RecordingEmulator(String model, String key) {
      server =
          EmulatorServer.start(
              "127.0.0.1", 0, List.of(new AnthropicEmulator(List.of(model), key)), 0);
    }

    String url() {
      return "http://127.0.0.1:" + server.port();
    }

    List<String> models() {
      List<String> models = new ArrayList<>();
      for (ReceivedRequest request : server.received()) {
        try {
          models.add(JSON.readTree(request.body()).path("model").asText("<none>"));
        } catch (IOException e) {
          models.add("<not json>");
        }
      }
      return models;
    }

    /** Every request received, with its path and headers. */
    List<ReceivedRequest> received() {
      return server.received();
    }

    /** The requests received with a gateway-internal header ({@code x-tollgate-*}). */
    List<String> gatewayHeaderLeaks() {
      return server.gatewayHeaderLeaks();
    }

    @Override
    public void close() {
      server.close();
    }
  }
}
