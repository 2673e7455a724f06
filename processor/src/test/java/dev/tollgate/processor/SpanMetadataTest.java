package dev.tollgate.processor;

import static dev.tollgate.processor.ProcessorExchangeTest.metadata;
import static dev.tollgate.processor.ProcessorExchangeTest.post;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.model.Wire;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the gateway's span reads from the dynamic metadata: the operation from the request, the
 * provider's OpenTelemetry name and the response's model from the response, beside the usage.
 */
class SpanMetadataTest {
  ExtProcClient client;

  @BeforeEach
  void start() throws Exception {
    List<String> log = new CopyOnWriteArrayList<>();
    client = TestModels.client(TestModels.standard(), log);
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
  }

  private static final String CHAT =
      "{\"model\":\"fast\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";

  @Test
  void aChatRequestNamesItsOperationAndRequestedModel() throws Exception {
    ExtProcClient.Stream s = client.open();
    s.requestHeaders(false, post("x-api-key", TestModels.ALICE_KEY));
    ProcessingResponse body = s.requestBody(CHAT + "}");
    assertThat(metadata(body))
        .containsEntry(Wire.OPERATION, "chat")
        .containsEntry(Wire.MODEL_KEY, "fast");
  }

  @Test
  void aJsonAnswerEndsWithTheProviderNameAndTheResponseModel() throws Exception {
    ExtProcClient.Stream s = client.open();
    s.requestHeaders(false, post("x-api-key", TestModels.ALICE_KEY));
    s.requestBody(CHAT + "}");
    s.responseHeaders(false, ":status", "200", "content-type", "application/json");
    ProcessingResponse last =
        s.responseBody(
            "{\"id\":\"c\",\"object\":\"chat.completion\",\"model\":\"gpt-4o-mini-2024-07-18\","
                + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"hey\"},"
                + "\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":1,\"total_tokens\":10}}",
            true);
    assertThat(metadata(last))
        .containsEntry(Wire.PROVIDER_SYSTEM, "openai")
        .containsEntry(Wire.RESPONSE_MODEL, "gpt-4o-mini-2024-07-18")
        .containsEntry(Wire.INPUT_TOKENS, "9")
        .containsEntry(Wire.OUTPUT_TOKENS, "1");
  }

  @Test
  void aStreamCarriesTheResponseModelFromItsFirstChunk() throws Exception {
    ExtProcClient.Stream s = client.open();
    s.requestHeaders(false, post("x-api-key", TestModels.ALICE_KEY));
    s.requestBody(CHAT + ",\"stream\":true}");
    ProcessingResponse headers =
        s.responseHeaders(false, ":status", "200", "content-type", "text/event-stream");
    assertThat(metadata(headers))
        .containsEntry(Wire.PROVIDER_SYSTEM, "openai")
        .doesNotContainKey(Wire.RESPONSE_MODEL);
    ProcessingResponse first =
        s.responseBody(
            "data: {\"model\":\"gpt-4o-mini-2024-07-18\","
                + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"one two\"}}]}\n\n",
            false);
    // Written as soon as it is known, so a stream the client drops still names it.
    assertThat(metadata(first)).containsEntry(Wire.RESPONSE_MODEL, "gpt-4o-mini-2024-07-18");
  }
}
