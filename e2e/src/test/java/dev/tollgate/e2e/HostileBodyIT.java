package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.emulator.EmulatorServer;
import dev.tollgate.emulator.openai.EmulatedModel;
import dev.tollgate.emulator.openai.OpenAiEmulator;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Request bodies written to make the provider generate more than Tollgate reserved, sent through
 * {@code tollgate run} with a real Envoy. The rate-limit service fails open, as it would in a
 * deployment that prefers availability: the processor must refuse these requests itself.
 */
class HostileBodyIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String KEY = "tg-e2e-mallory-key-01";
  static final String MESSAGES = "\"messages\":[{\"role\":\"user\",\"content\":\"Write a lot\"}]";
  static EmulatorServer provider;
  static TollgateRun gateway;

  @BeforeAll
  static void start() {
    provider =
        EmulatorServer.start(
            "127.0.0.1",
            0,
            List.of(
                OpenAiEmulator.serving(
                    List.of(
                        EmulatedModel.named("fake-chat"),
                        EmulatedModel.named("fake-small"),
                        EmulatedModel.named("fake-openai")),
                    "fake-upstream-secret-key")),
            0);
    gateway =
        TollgateRun.start(
            "hostile-body",
            Path.of("target/e2e/hostile-body").toAbsolutePath(),
            Map.of("FAKE_URL", "http://127.0.0.1:" + provider.port()),
            "--ratelimit-fail-open");
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.close();
    }
    if (provider != null) {
      provider.close();
    }
  }

  static HttpResponse<String> chat(String fields) {
    return gateway.post(
        "/v1/chat/completions",
        KEY,
        "{\"model\":\"fake-chat\"," + fields + MESSAGES + "}",
        Map.of());
  }

  /** Returns the body of the last request the provider received. */
  static JsonNode lastBody() throws Exception {
    return JSON.readTree(provider.lastReceived().body());
  }

  static JsonNode refused(HttpResponse<String> response, int status, String param)
      throws Exception {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    JsonNode error = JSON.readTree(response.body()).path("error");
    assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
    assertThat(error.path("message").asText()).isNotBlank();
    assertThat(error.path("param").isNull() ? null : error.path("param").asText()).isEqualTo(param);
    return error;
  }

  @Test
  void aStringMaxTokensIsRefused() throws Exception {
    refused(chat("\"max_tokens\":\"30000\","), 400, "max_tokens");
  }

  @Test
  void aFloatOrNegativeMaxTokensIsRefused() throws Exception {
    refused(chat("\"max_tokens\":10.5,"), 400, "max_tokens");
    refused(chat("\"max_completion_tokens\":-1,"), 400, "max_completion_tokens");
  }

  @Test
  void aDuplicatedMaxTokensIsRefusedNamingTheField() throws Exception {
    refused(chat("\"max_tokens\":1,\"max_tokens\":99999,"), 400, "max_tokens");
  }

  @Test
  void contradictoryOutputCapsAreRefused() throws Exception {
    refused(chat("\"max_completion_tokens\":10,\"max_tokens\":50000,"), 400, "max_tokens");
  }

  @Test
  void aStringOrHugeNIsRefused() throws Exception {
    refused(chat("\"n\":\"64\","), 400, "n");
    refused(chat("\"n\":1000,"), 400, "n");
  }

  @Test
  void aReservationOverThePerRequestCapIsRefusedAlthoughTheBudgetFailsOpen() throws Exception {
    JsonNode error = refused(chat("\"max_tokens\":20000000,"), 400, null);
    assertThat(error.path("code").asText()).isEqualTo("reservation_too_large");
    error = refused(chat("\"max_tokens\":100000,\"n\":128,"), 400, null);
    assertThat(error.path("code").asText()).isEqualTo("reservation_too_large");
  }

  /**
   * Failing closed, the same request used to be a 503 that the client could trigger at will (and
   * that reads as the gateway's fault); it is the same 400 in both modes.
   */
  @Test
  void aReservationOverThePerRequestCapIsA400AlsoWhenTheBudgetFailsClosed() throws Exception {
    try (TollgateRun closed =
        TollgateRun.start(
            "hostile-body",
            Path.of("target/e2e/hostile-body-closed").toAbsolutePath(),
            Map.of("FAKE_URL", "http://127.0.0.1:" + provider.port()))) {
      HttpResponse<String> response =
          closed.post(
              "/v1/chat/completions",
              KEY,
              "{\"model\":\"fake-chat\",\"max_tokens\":20000000," + MESSAGES + "}",
              Map.of());
      assertThat(refused(response, 400, null).path("code").asText())
          .isEqualTo("reservation_too_large");
    }
  }

  @Test
  void aMaxTokensAboveTheContextWindowIsRefused() throws Exception {
    HttpResponse<String> response =
        gateway.post(
            "/v1/chat/completions",
            KEY,
            "{\"model\":\"fake-small\",\"max_tokens\":9000," + MESSAGES + "}",
            Map.of());
    refused(response, 400, "max_tokens");
  }

  /** What makes "overshoot is at most the reservation" hold: the provider is told the cap. */
  @Test
  void theReservedOutputCapIsWrittenIntoTheBodyTheProviderReceives() throws Exception {
    assertThat(chat("").statusCode()).isEqualTo(200);
    assertThat(lastBody().path("max_tokens").asLong()).isEqualTo(4096);
    assertThat(lastBody().has("max_completion_tokens")).isFalse();

    HttpResponse<String> openai =
        gateway.post(
            "/v1/chat/completions", KEY, "{\"model\":\"fake-openai\"," + MESSAGES + "}", Map.of());
    assertThat(openai.statusCode()).as(openai.body()).isEqualTo(200);
    assertThat(lastBody().path("max_completion_tokens").asLong()).isEqualTo(4096);
    assertThat(lastBody().has("max_tokens")).isFalse();

    assertThat(chat("\"max_tokens\":null,").statusCode()).isEqualTo(200);
    assertThat(lastBody().path("max_tokens").asLong()).isEqualTo(4096);

    assertThat(chat("\"max_tokens\":64,").statusCode()).isEqualTo(200);
    assertThat(lastBody().path("max_tokens").asLong()).isEqualTo(64);
  }
}
