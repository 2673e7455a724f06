package dev.tollgate.processor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.envoyproxy.envoy.service.ext_proc.v3.ImmediateResponse;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import org.junit.jupiter.api.Test;

/**
 * {@code tollgate run} starts Envoy before the processor has its first model (README, "Try it"): a
 * request that arrives in between is refused with a retryable 503 in the API's error shape, never
 * passed on unauthenticated.
 */
class BeforeTheFirstModelTest {
  @Test
  void aRequestBeforeTheFirstModelGetsARetryable503() throws Exception {
    Processor processor =
        new Processor(
            ProcessorConfig.defaults(), Clock.systemUTC(), new SimpleMeterRegistry(), line -> {});
    try (ExtProcClient client = new ExtProcClient(processor)) {
      ImmediateResponse immediate =
          client
              .open()
              .requestHeaders(
                  false,
                  ":method",
                  "POST",
                  ":path",
                  "/v1/chat/completions",
                  "content-type",
                  "application/json",
                  "authorization",
                  "Bearer " + TestModels.ALICE_KEY)
              .getImmediateResponse();
      assertThat(immediate.getStatus().getCodeValue()).isEqualTo(503);
      JsonNode error =
          new ObjectMapper().readTree(immediate.getBody().toStringUtf8()).path("error");
      assertThat(error.path("code").asText()).isEqualTo("gateway_not_configured");
      assertThat(error.path("message").asText()).contains("Retry");
    }
  }
}
