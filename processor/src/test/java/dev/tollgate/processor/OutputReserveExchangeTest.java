package dev.tollgate.processor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.model.Wire;
import dev.tollgate.testkit.MutableClock;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Requests without max_tokens through the whole exchange: the cap written upstream stays 4,096, the
 * reservation follows the model's recent completions once there are enough, and the reservation,
 * realized usage and cost are metrics.
 */
class OutputReserveExchangeTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String UNCAPPED =
      "{\"model\":\"fast\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final List<String> log = new CopyOnWriteArrayList<>();
  Processor processor;
  ExtProcClient client;

  @BeforeEach
  void start() throws Exception {
    processor =
        new Processor(
            ProcessorConfig.defaults(),
            new MutableClock(Instant.parse("2026-01-01T00:00:00Z")),
            registry,
            log::add);
    processor.update(TestModels.standard());
    client = new ExtProcClient(processor);
  }

  @AfterEach
  void stop() {
    client.close();
  }

  record Sent(long reserve, JsonNode body) {}

  /** One request answered with JSON reporting {@code output} completion tokens. */
  Sent call(String body, long output) throws Exception {
    ExtProcClient.Stream s = client.open();
    s.requestHeaders(false, ProcessorExchangeTest.post("x-api-key", TestModels.ALICE_KEY));
    ProcessingResponse answer = s.requestBody(body);
    long reserve = Long.parseLong(ProcessorExchangeTest.metadata(answer).get(Wire.RESERVE_TOKENS));
    JsonNode sent =
        JSON.readTree(
            answer.getRequestBody().getResponse().getBodyMutation().getBody().toStringUtf8());
    s.responseHeaders(false, ":status", "200", "content-type", "application/json");
    s.responseBody(
        "{\"model\":\"gpt-4o-mini\",\"choices\":[{\"message\":{\"content\":\"x\"}}],"
            + "\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":"
            + output
            + "}}",
        true);
    s.complete();
    return new Sent(reserve, sent);
  }

  @Test
  void theReservationFollowsRecentCompletionsWhileTheWrittenCapStays() throws Exception {
    long estimate = ProcessorExchangeTest.o200k("hi\n") + 6;
    Sent cold = call(UNCAPPED, 30);
    assertThat(cold.reserve()).isEqualTo(estimate + 4096);
    assertThat(cold.body().path("max_completion_tokens").asLong()).isEqualTo(4096);
    for (int i = 1; i < CompletionHistogram.MIN_SAMPLES; i++) {
      call(UNCAPPED, 30);
    }
    // n choices each reserve the sized reserve.
    Sent three =
        call(
            "{\"model\":\"fast\",\"n\":3,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
            90);
    assertThat(three.reserve()).isEqualTo(estimate + 3 * 33);
    // A request with its own cap reserves it, whatever the history says, and is no history.
    Sent capped =
        call(
            "{\"model\":\"fast\",\"max_tokens\":500,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
            500);
    assertThat(capped.reserve()).isEqualTo(estimate + 500);

    // 30 output tokens lie in the histogram's bucket (27, 33].
    Sent warm = call(UNCAPPED, 4096);
    assertThat(warm.reserve()).isEqualTo(estimate + 33);
    assertThat(warm.body().path("max_completion_tokens").asLong()).isEqualTo(4096);
    // The provider wrote to the cap: the commit charges it, 4,096 − 33 more than reserved.
    JsonNode line = JSON.readTree(log.get(log.size() - 1));
    assertThat(line.path("reserve_tokens").asLong()).isEqualTo(estimate + 33);
    assertThat(line.path("output_tokens").asLong()).isEqualTo(4096);
    // One answer at the cap in 22 is more than 1%: the next reserve is the cap again.
    assertThat(call(UNCAPPED, 30).reserve()).isEqualTo(estimate + 4096);
  }

  @Test
  void reservationRealizedUsageAndCostAreMetrics() throws Exception {
    for (int i = 0; i < CompletionHistogram.MIN_SAMPLES; i++) {
      call(UNCAPPED, 30);
    }
    call(UNCAPPED, 30);
    DistributionSummary cap =
        registry
            .get(ReservationMetrics.RESERVATION)
            .tags("tollgate.namespace", "team-a", "gen_ai.request.model", "fast")
            .tag("tollgate.reserve.source", "cap")
            .summary();
    assertThat(cap.count()).isEqualTo(CompletionHistogram.MIN_SAMPLES);
    DistributionSummary history =
        registry
            .get(ReservationMetrics.RESERVATION)
            .tag("tollgate.reserve.source", "history")
            .summary();
    assertThat(history.count()).isEqualTo(1);
    assertThat(history.max()).isLessThan(100);
    DistributionSummary realized =
        registry
            .get(ReservationMetrics.REALIZED)
            .tag("tollgate.reserve.source", "history")
            .summary();
    assertThat(realized.totalAmount()).isEqualTo(39);

    // gpt-4o-mini: 0.15 USD per million input, 0.60 per million output.
    Counter cost =
        registry
            .get(ProcessorMetrics.COST)
            .tags(
                "tollgate.namespace", "team-a",
                "tollgate.client", "alice",
                "gen_ai.request.model", "fast",
                "tollgate.provider", "team-a/openai",
                "currency", "USD")
            .counter();
    int requests = CompletionHistogram.MIN_SAMPLES + 1;
    assertThat(cost.count())
        .isCloseTo(
            requests * (9 * 0.15 + 30 * 0.60) / 1_000_000,
            org.assertj.core.data.Offset.offset(1e-12));
  }
}
