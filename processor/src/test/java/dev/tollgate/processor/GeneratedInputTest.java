package dev.tollgate.processor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.tollgate.testkit.MutableClock;
import dev.tollgate.translate.SseParser;
import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Hostile input, generated: valid request bodies, event streams, JSON responses, error bodies and
 * tokens, mutated at random (bytes flipped, inserted, deleted and duplicated, cut short, deep
 * nesting, huge numbers, invalid UTF-8, lone surrogates) and split at random, over more than
 * 100,000 inputs from a fixed seed. Nothing may throw except the parser's declared refusal, and the
 * whole exchange must answer every body without a 500.
 */
class GeneratedInputTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final TokenEstimator ESTIMATOR = new TokenEstimator(4096);

  static final String[] REQUESTS = {
    "{\"model\":\"fast\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}],\"max_tokens\":20}",
    "{\"messages\":[{\"role\":\"system\",\"content\":\"x\"},{\"role\":\"user\",\"name\":\"a\",\"content\":[{\"type\":\"text\",\"text\":\"hi\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:,\"}}]}],\"model\":\"gpt-4o-mini\",\"stream\":true}",
    "{\"model\":\"small\",\"stream\":true,\"stream_options\":{\"include_usage\":false,\"x\":[1,2]},\"n\":2}",
    "{\"model\":\"split\",\"stream\":true,\"stream_options\":null,\"prompt\":[[1,2],[3]],\"max_completion_tokens\":5}",
    "{\"model\":\"fast\",\"input\":[\"a\",\"b\"],\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":{\"type\":\"object\"}}}]}",
    "{\"model\":\"fast\",\"system\":[{\"type\":\"text\",\"text\":\"s\"}],\"messages\":[],\"max_tokens\":1024,\"stream\":true,\"stream_options\":{}}",
    "{\"model\":\"small\",\"max_tokens\":null,\"max_completion_tokens\":300,\"n\":4,\"best_of\":5,\"prompt\":\"p\"}",
    "{\"max_output_tokens\":7000,\"model\":\"fast\",\"input\":\"x\",\"n\":null,\"max_tokens\":7000}"
  };

  static final String[] STREAMS = {
    "data: {\"model\":\"m\",\"choices\":[{\"delta\":{\"content\":\"Hi\"}}],\"usage\":null}\n\n"
        + "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1,\"prompt_tokens_details\":{\"cached_tokens\":1}}}\n\ndata: [DONE]\n\n",
    "event: message_start\r\ndata: {\"type\":\"message_start\",\"message\":{\"model\":\"c\",\"usage\":{\"input_tokens\":2,\"output_tokens\":1}}}\r\n\r\n"
        + ": ping\r\n\r\nevent: content_block_delta\r\ndata: {\"delta\":{\"type\":\"text_delta\",\"text\":\"x\"}}\r\n\r\n"
        + "event: message_delta\r\ndata: {\"type\":\"message_delta\",\"usage\":{\"output_tokens\":4}}\r\n\r\n",
    "data: {\"type\":\"response.output_text.delta\",\"delta\":\"hey\"}\n\ndata: {\"type\":\"response.completed\",\"response\":{\"usage\":{\"input_tokens\":1,\"output_tokens\":2}}}\n\n"
  };

  static final String[] RESPONSES = {
    "{\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"message\":{\"content\":\"Hi\",\"tool_calls\":[{\"function\":{\"arguments\":\"{}\"}}]}}],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":2,\"prompt_tokens_details\":{\"cached_tokens\":0}}}",
    "{\"type\":\"message\",\"content\":[{\"type\":\"text\",\"text\":\"Hi\"}],\"usage\":{\"input_tokens\":5,\"cache_read_input_tokens\":3,\"output_tokens\":4}}",
    "{\"object\":\"list\",\"data\":[{\"embedding\":[0.1,-2e-3,3]}],\"usage\":{\"prompt_tokens\":4,\"total_tokens\":4}}",
    "{\"error\":{\"message\":\"bad\",\"type\":\"invalid_request_error\",\"code\":null}}",
    "{\"object\":\"error\",\"message\":\"bad\",\"code\":400}"
  };

  final Random random = new Random(20261129L);
  int inputs;

  @Test
  void noGeneratedInputMakesAParserThrow() throws Exception {
    for (int i = 0; i < 40_000; i++) {
      requestBody(mutate(REQUESTS[random.nextInt(REQUESTS.length)]));
    }
    for (int i = 0; i < 30_000; i++) {
      eventStream(mutate(STREAMS[random.nextInt(STREAMS.length)]));
    }
    for (int i = 0; i < 20_000; i++) {
      jsonResponse(mutate(RESPONSES[random.nextInt(RESPONSES.length)]));
    }
    for (int i = 0; i < 10_000; i++) {
      errorBody(mutate(RESPONSES[random.nextInt(RESPONSES.length)]));
    }
    for (int i = 0; i < 5_000; i++) {
      token(mutate(randomToken()));
    }
    assertThat(inputs).isGreaterThanOrEqualTo(100_000);
  }

  @Test
  void theExchangeAnswersEveryGeneratedBodyWithoutAServerError() throws Exception {
    Processor processor =
        new Processor(
            ProcessorConfig.defaults().withMaxRequestBodyBytes(64 * 1024),
            new MutableClock(Instant.parse("2026-01-01T00:00:00Z")),
            new SimpleMeterRegistry(),
            new NoKeys(),
            new AccessLog(line -> {}));
    processor.update(TestModels.standard());
    for (int i = 0; i < 3_000; i++) {
      List<ProcessingResponse> answers = new ArrayList<>();
      Exchange exchange = new Exchange(processor, collect(answers));
      exchange.onNext(
          headers(
              ":method",
              "POST",
              ":path",
              "/v1/chat/completions",
              "x-api-key",
              TestModels.ALICE_KEY));
      byte[] body = mutate(REQUESTS[random.nextInt(REQUESTS.length)]);
      exchange.onNext(
          ProcessingRequest.newBuilder()
              .setRequestBody(
                  HttpBody.newBuilder().setBody(ByteString.copyFrom(body)).setEndOfStream(true))
              .build());
      assertThat(answers).hasSize(2);
      ProcessingResponse answer = answers.get(1);
      if (answer.hasImmediateResponse()) {
        assertThat(answer.getImmediateResponse().getStatus().getCodeValue())
            .as(new String(body, StandardCharsets.UTF_8))
            .isIn(400, 403, 404, 413);
        JSON.readTree(answer.getImmediateResponse().getBody().toByteArray());
      } else {
        assertThat(answer.hasRequestBody()).isTrue();
        exchange.onNext(responseHeaders());
        byte[] stream = mutate(STREAMS[random.nextInt(STREAMS.length)]);
        for (byte[] chunk : split(stream)) {
          exchange.onNext(
              ProcessingRequest.newBuilder()
                  .setResponseBody(HttpBody.newBuilder().setBody(ByteString.copyFrom(chunk)))
                  .build());
        }
        exchange.onNext(
            ProcessingRequest.newBuilder()
                .setResponseBody(HttpBody.newBuilder().setEndOfStream(true))
                .build());
      }
      exchange.onCompleted();
    }
  }

  // ------------------------------------------------------------------------------ checks

  private void requestBody(byte[] body) throws Exception {
    inputs++;
    RequestBody parsed;
    try {
      parsed = new RequestBodyParser(4096).parse(body, body.length);
    } catch (RequestBodyParser.InvalidBodyException e) {
      return;
    }
    ESTIMATOR.countExtrapolated(
        ESTIMATOR.forModel("gpt-4o").encoding(), parsed.text(), parsed.textChars());
    byte[] edited = BodyEdits.apply(body, body.length, parsed.usageEdits());
    // The edited body is still one strict JSON object with the same model.
    RequestBody again = new RequestBodyParser(4096).parse(edited, edited.length);
    assertThat(again.model()).isEqualTo(parsed.model());
    assertThat(again.usageEdits().isEmpty() || parsed.usageEdits().isEmpty()).isTrue();
    outputCapHolds(body, parsed);
    if (parsed.model() != null) {
      byte[] renamed =
          BodyEdits.apply(
              body,
              body.length,
              List.of(
                  BodyEdits.Edit.of(
                      parsed.modelStart(), parsed.modelEnd(), Json.quote("z\u00e9\"\\"))));
      assertThat(new RequestBodyParser(4096).parse(renamed, renamed.length).model())
          .isEqualTo("z\u00e9\"\\");
    }
  }

  /** The fields each (path, target) reads as the output cap: one of them must bound the output. */
  private static final List<String> CAP_PATHS =
      List.of("/v1/chat/completions", "/v1/completions", "/v1/responses", "/v1/messages");

  private static List<String> reads(String path, Policy.Target target) {
    return switch (path) {
      case "/v1/chat/completions" ->
          target.readsMaxCompletionTokens()
              ? List.of("max_completion_tokens", "max_tokens")
              : List.of("max_tokens");
      case "/v1/responses" -> List.of("max_output_tokens");
      default -> List.of("max_tokens");
    };
  }

  /**
   * Whatever a body says, once the processor let it through: the body the provider gets is strict
   * JSON, a field the API reads holds the cap, no cap field holds more, and the reservation covers
   * every choice.
   */
  private void outputCapHolds(byte[] body, RequestBody parsed) throws Exception {
    for (String target : List.of("fast", "small", "split")) {
      Policy.Target t = policy().target("team-a", target);
      String path = CAP_PATHS.get(random.nextInt(CAP_PATHS.size()));
      OutputCap.Decision cap;
      try {
        cap = OutputCap.of(path, parsed, t, random.nextInt(10_000), 4096);
      } catch (Rejection.Exception e) {
        assertThat(e.rejection().status()).isEqualTo(400);
        continue;
      }
      List<BodyEdits.Edit> edits = new ArrayList<>(parsed.usageEdits());
      edits.addAll(cap.edits());
      byte[] sent = BodyEdits.apply(body, body.length, edits);
      RequestBody upstream = new RequestBodyParser(4096).parse(sent, sent.length);
      assertThat(upstream.caps()).allMatch(c -> c.value() <= cap.perChoice());
      assertThat(upstream.caps())
          .anyMatch(c -> c.value() == cap.perChoice() && reads(path, t).contains(c.field()));
      assertThat(ModelRequest.reserve(0, cap.perChoice(), parsed.choices()))
          .isGreaterThanOrEqualTo(cap.perChoice() * parsed.choices());
    }
  }

  private void eventStream(byte[] stream) {
    inputs++;
    ResponseUsage usage = new ResponseUsage(ESTIMATOR, ESTIMATOR.forModel("gpt-4o").encoding());
    SseParser parser = new SseParser(1024, usage);
    for (byte[] chunk : split(stream)) {
      parser.feed(chunk, 0, chunk.length);
    }
    parser.finish();
    usage.countedOutput();
    usage.reported().input();
    usage.reported().cached();
  }

  private void jsonResponse(byte[] body) {
    inputs++;
    ResponseUsage usage = new ResponseUsage(ESTIMATOR, ESTIMATOR.forModel("gpt-4o").encoding());
    List<byte[]> chunks = split(body);
    for (int i = 0; i < chunks.size(); i++) {
      usage.feedJson(chunks.get(i), i == chunks.size() - 1);
    }
    usage.countedOutput();
  }

  private void errorBody(byte[] body) throws Exception {
    inputs++;
    byte[] out = OpenAiErrors.normalize(500, body, body.length, random.nextBoolean());
    if (out != null) {
      assertThat(JSON.readTree(out).path("error").path("message").isTextual()).isTrue();
    }
  }

  private void token(byte[] token) throws Exception {
    inputs++;
    JwtAuthenticator jwt =
        new JwtAuthenticator(
            new NoKeys(),
            java.time.Clock.systemUTC(),
            java.time.Duration.ofSeconds(60),
            java.time.Duration.ofSeconds(2));
    CompletableFuture<Caller> result =
        jwt.authenticate(new String(token, StandardCharsets.UTF_8), policy());
    assertThat(result.handle((c, e) -> c == null && e != null).get(5, TimeUnit.SECONDS)).isTrue();
  }

  private Policy policy;

  private Policy policy() {
    if (policy == null) {
      policy = Policy.of(TestModels.standard(), ESTIMATOR);
    }
    return policy;
  }

  private String randomToken() {
    String payload =
        "{\"iss\":\"https://issuer.example\",\"aud\":[\"tollgate\"],\"azp\":\"svc\",\"exp\":"
            + random.nextInt()
            + "}";
    return Tokens.b64("{\"alg\":\"RS256\",\"kid\":\"k1\"}") + "." + Tokens.b64(payload) + ".c2ln";
  }

  // ------------------------------------------------------------------------------ generation

  private byte[] mutate(String seed) {
    byte[] bytes = seed.getBytes(StandardCharsets.UTF_8);
    int mutations = random.nextInt(4);
    for (int m = 0; m < mutations; m++) {
      bytes = mutateOnce(bytes);
    }
    return bytes;
  }

  private static final String[] INSERTS = {
    "\"",
    "\\",
    "\\u",
    "\\ud800",
    "\\udc00x",
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "null",
    "1e999",
    "-0",
    "99999999999999999999999999999",
    "\n",
    "\r",
    "\r\n",
    "data: ",
    "event: error\n",
    ": c\n\n",
    "\"model\":\"fast\",",
    "\"stream\":true,",
    "\"stream_options\":",
    "\"usage\":{",
    "\"prompt_tokens\":",
    "[DONE]",
    "\u00e9",
    "<|endoftext|>",
    "\"max_tokens\":",
    "\"max_completion_tokens\":",
    "\"max_output_tokens\":",
    "\"n\":",
    "\"best_of\":",
    "\"30000\"",
    "10.5",
    "8193",
    "0"
  };

  private byte[] mutateOnce(byte[] b) {
    int at = b.length == 0 ? 0 : random.nextInt(b.length + 1);
    switch (random.nextInt(9)) {
      case 0 -> {
        if (b.length > 0) {
          b = b.clone();
          b[Math.min(at, b.length - 1)] ^= (byte) (1 << random.nextInt(8));
        }
      }
      case 1 -> b = insert(b, at, new byte[] {(byte) random.nextInt(256)});
      case 2 -> {
        int end = Math.min(b.length, at + random.nextInt(16));
        byte[] out = new byte[b.length - (end - at)];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(b, end, out, at, b.length - end);
        b = out;
      }
      case 3 -> {
        int end = Math.min(b.length, at + random.nextInt(32));
        b = insert(b, at, Arrays.copyOfRange(b, at, end));
      }
      case 4 -> b = Arrays.copyOf(b, at);
      case 5 ->
          b =
              insert(
                  b, at, INSERTS[random.nextInt(INSERTS.length)].getBytes(StandardCharsets.UTF_8));
      case 6 -> {
        int depth = 1 + random.nextInt(300);
        b =
            insert(
                b,
                at,
                ("[".repeat(depth) + "]".repeat(random.nextBoolean() ? depth : 0))
                    .getBytes(StandardCharsets.UTF_8));
      }
      case 7 ->
          b =
              insert(
                  b,
                  at,
                  new byte[] {
                    (byte) 0xC3, (byte) 0x28, (byte) 0xF8, (byte) 0xED, (byte) 0xA0, (byte) 0x80
                  });
      default -> {
        byte[] noise = new byte[random.nextInt(24)];
        random.nextBytes(noise);
        b = insert(b, at, noise);
      }
    }
    return b;
  }

  private static byte[] insert(byte[] b, int at, byte[] what) {
    byte[] out = new byte[b.length + what.length];
    System.arraycopy(b, 0, out, 0, at);
    System.arraycopy(what, 0, out, at, what.length);
    System.arraycopy(b, at, out, at + what.length, b.length - at);
    return out;
  }

  private List<byte[]> split(byte[] b) {
    List<byte[]> chunks = new ArrayList<>();
    int from = 0;
    while (from < b.length) {
      int to = Math.min(b.length, from + 1 + random.nextInt(64));
      chunks.add(Arrays.copyOfRange(b, from, to));
      from = to;
    }
    if (chunks.isEmpty()) {
      chunks.add(new byte[0]);
    }
    return chunks;
  }

  // ------------------------------------------------------------------------------ plumbing

  private static ProcessingRequest headers(String... keyValues) {
    HeaderMap.Builder map = HeaderMap.newBuilder();
    for (int i = 0; i < keyValues.length; i += 2) {
      map.addHeaders(
          HeaderValue.newBuilder()
              .setKey(keyValues[i])
              .setRawValue(ByteString.copyFromUtf8(keyValues[i + 1])));
    }
    return ProcessingRequest.newBuilder()
        .setRequestHeaders(HttpHeaders.newBuilder().setHeaders(map))
        .build();
  }

  private ProcessingRequest responseHeaders() {
    String type = random.nextBoolean() ? "text/event-stream" : "application/json";
    int status = random.nextInt(5) == 0 ? 500 : 200;
    HeaderMap.Builder map =
        HeaderMap.newBuilder()
            .addHeaders(
                HeaderValue.newBuilder()
                    .setKey(":status")
                    .setRawValue(ByteString.copyFromUtf8(Integer.toString(status))))
            .addHeaders(
                HeaderValue.newBuilder()
                    .setKey("content-type")
                    .setRawValue(ByteString.copyFromUtf8(type)));
    return ProcessingRequest.newBuilder()
        .setResponseHeaders(HttpHeaders.newBuilder().setHeaders(map))
        .build();
  }

  private static StreamObserver<ProcessingResponse> collect(List<ProcessingResponse> answers) {
    return new StreamObserver<>() {
      @Override
      public void onNext(ProcessingResponse value) {
        answers.add(value);
      }

      @Override
      public void onError(Throwable t) {
        throw new AssertionError(t);
      }

      @Override
      public void onCompleted() {}
    };
  }

  /** A key source that has no keys. */
  static final class NoKeys implements JwksSource {
    @Override
    public CompletableFuture<Jwks> keys(String uri) {
      return CompletableFuture.completedFuture(new Jwks(List.of()));
    }

    @Override
    public CompletableFuture<Jwks> refresh(String uri) {
      return keys(uri);
    }
  }
}
