package dev.tollgate.processor;

import dev.tollgate.ledger.LedgerSink;
import dev.tollgate.model.GatewayModel;
import dev.tollgate.translate.SseParser;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tollgate's Envoy external processor ({@code envoy.service.ext_proc.v3.ExternalProcessor}):
 * authenticates callers, reads the model and estimates the prompt, sets the routing headers and the
 * reservation, and reads usage from responses for the budget commit, metrics and the access log.
 *
 * <p>Until {@link #update} has been called every request is refused with 503. Thread-safe: one
 * instance serves all streams; a model update applies to requests that start after it.
 */
public final class Processor extends ExternalProcessorGrpc.ExternalProcessorImplBase {
  private static final Logger LOG = LoggerFactory.getLogger(Processor.class);

  private final ProcessorConfig config;
  private final Clock clock;
  private final TokenEstimator estimator;
  private final Authenticator authenticator;
  private final JwksSource jwks;
  private final RequestBodyReader bodyReader;
  private final ResponseStream.Settings responseSettings;
  private final OutcomeRecorder recorder;
  private final AttemptMetrics attempts;
  private final OutputReserves reserves;
  private final Executor worker;
  private final ExhaustedBudgets exhausted;
  private volatile Policy policy;
  private volatile TierProbe tierProbe;

  /**
   * Creates a processor that fetches JWKS over HTTP and writes its access log to the {@code
   * tollgate.access} logger.
   */
  public Processor(ProcessorConfig config, Clock clock, MeterRegistry registry) {
    this(config, JwksFetchPolicy.defaults(), clock, registry);
  }

  /**
   * Creates a processor that fetches JWKS over HTTP under a fetch policy and writes its access log
   * to the {@code tollgate.access} logger.
   */
  public Processor(
      ProcessorConfig config, JwksFetchPolicy jwksFetch, Clock clock, MeterRegistry registry) {
    this(
        config,
        clock,
        registry,
        new HttpJwksSource(
            jwksFetch, clock, config.jwksCacheTtl(), config.jwksMinRefreshInterval()),
        AccessLog.slf4j());
  }

  /** Creates a processor whose access-log lines go to {@code accessLog}. */
  public Processor(
      ProcessorConfig config, Clock clock, MeterRegistry registry, Consumer<String> accessLog) {
    this(
        config,
        clock,
        registry,
        new HttpJwksSource(
            JwksFetchPolicy.defaults(),
            clock,
            config.jwksCacheTtl(),
            config.jwksMinRefreshInterval()),
        new AccessLog(accessLog));
  }

  Processor(
      ProcessorConfig config,
      Clock clock,
      MeterRegistry registry,
      JwksSource jwks,
      AccessLog accessLog) {
    this.config = config;
    this.clock = clock;
    this.reserves = new OutputReserves(config.reserveSizing());
    this.estimator = new TokenEstimator(config.exactTokenizeChars());
    this.jwks = jwks;
    this.authenticator =
        new Authenticator(
            new JwtAuthenticator(jwks, clock, config.jwtClockSkew(), jwks.maxWait()), clock);
    this.bodyReader =
        new RequestBodyReader(config.maxRequestBodyBytes(), config.exactTokenizeChars());
    this.responseSettings =
        new ResponseStream.Settings(
            estimator, clock, config.maxErrorBodyBytes(), config.maxSseEventBytes());
    this.attempts = new AttemptMetrics(registry);
    this.recorder =
        new OutcomeRecorder(
            clock,
            new ProcessorMetrics(registry, config.maxResponseModelLabels(), clock),
            new ReservationMetrics(registry),
            reserves,
            accessLog);
    this.exhausted = new ExhaustedBudgets(clock, ExhaustedBudgets.MAX_PER_NAMESPACE);
    AtomicInteger threads = new AtomicInteger();
    this.worker =
        Executors.newFixedThreadPool(
            Math.max(2, Runtime.getRuntime().availableProcessors()),
            r -> {
              Thread t = new Thread(r, "tollgate-processor-" + threads.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Applies a new gateway model: its keys, routes, tokenizers and prices are looked up from then
   * on. The lookups are computed here, off the request path, and tokenizers are loaded ahead.
   */
  public void update(GatewayModel model) {
    Policy next = Policy.of(model, estimator);
    for (String name : next.tokenizerModels()) {
      // Loading an encoding takes a while the first time; pay it here, not on a request.
      estimator.count(estimator.forModel(name).encoding(), "warm up");
    }
    if (policy == null) {
      warmUp();
    }
    reserves.update(model);
    // A changed quota may have raised a limit: ask the rate-limit service again.
    exhausted.clear();
    policy = next;
    jwks.retain(next.jwksUris());
    LOG.info("processor serves model version {}", model.version());
  }

  /**
   * Runs the parsers once before the first request: a cold JVM can otherwise take longer than
   * Envoy's message timeout on its first requests, which then fail with 504.
   */
  private void warmUp() {
    byte[] body =
        ("{\"model\":\"m\",\"stream\":true,\"max_tokens\":5,\"messages\":[{\"role\":\"user\","
                + "\"content\":\"warm up\"}]}")
            .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    byte[] json =
        "{\"model\":\"m\",\"choices\":[{\"message\":{\"content\":\"x\"}}],\"usage\":{\"prompt_tokens\":1}}"
            .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    byte[] sse =
        ("data: " + new String(json, java.nio.charset.StandardCharsets.UTF_8) + "\n\n")
            .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    try {
      for (int i = 0; i < 200; i++) {
        RequestBody parsed =
            new RequestBodyParser(config.exactTokenizeChars()).parse(body, body.length);
        BodyEdits.apply(body, body.length, parsed.usageEdits());
        var tokenizer = estimator.forModel("gpt-4o");
        estimator.countExtrapolated(tokenizer.encoding(), parsed.text(), parsed.textChars());
        ResponseUsage usage = new ResponseUsage(estimator, tokenizer.encoding());
        usage.feedJson(json.clone(), true);
        new SseParser(config.maxSseEventBytes(), usage).feed(sse, 0, sse.length);
        OpenAiErrors.normalize(500, json, json.length, true);
      }
    } catch (RequestBodyParser.InvalidBodyException e) {
      throw new IllegalStateException("the warm-up body is valid", e);
    }
  }

  /** The version of the model in use, or null before the first update. */
  public String modelVersion() {
    Policy p = policy;
    return p == null ? null : p.version();
  }

  @Override
  public StreamObserver<ProcessingRequest> process(StreamObserver<ProcessingResponse> responses) {
    if (AttemptStage.current()) {
      return new AttemptTranslator(this, responses);
    }
    return new Exchange(this, responses);
  }

  ProcessorConfig config() {
    return config;
  }

  /** The counts of the attempts the processor translated. */
  AttemptMetrics attempts() {
    return attempts;
  }

  Clock clock() {
    return clock;
  }

  Policy policy() {
    return policy;
  }

  TokenEstimator estimator() {
    return estimator;
  }

  Authenticator authenticator() {
    return authenticator;
  }

  RequestBodyReader bodyReader() {
    return bodyReader;
  }

  ResponseStream.Settings responseSettings() {
    return responseSettings;
  }

  /**
   * Sends one ledger record per finished request to {@code ledger} from now on; {@link
   * LedgerSink#offer} must not block (a {@code LedgerWriter} does not).
   */
  public void recordTo(LedgerSink ledger) {
    recorder.ledger(ledger);
  }

  /** The output reserves of requests without an output cap, sized from recent completions. */
  OutputReserves reserves() {
    return reserves;
  }

  /**
   * Asks {@code probe} from now on, before routing a request of a rule with a cheaper tier, whether
   * it falls to the tier; without one, tiers are never used. The probe must not block.
   */
  public void tierProbe(TierProbe probe) {
    this.tierProbe = probe;
  }

  TierProbe tierProbe() {
    return tierProbe;
  }

  /**
   * Commits every routed request's usage through {@code settlement} from now on when its exchange
   * ends, and writes the settled usage to the ledger; without one, the ledger keeps what the
   * processor answered (ledger/README.md, "Aborted streams").
   */
  public void settleWith(UsageSettlement settlement) {
    recorder.settlement(settlement);
  }

  OutcomeRecorder recorder() {
    return recorder;
  }

  /** Whether the processor settles each routed request itself ({@link #settleWith}). */
  boolean settles() {
    return recorder.settles();
  }

  /** The budgets known to be exhausted until their windows end. */
  ExhaustedBudgets exhausted() {
    return exhausted;
  }

  /** Threads for work too heavy for a transport thread: large request bodies. */
  Executor worker() {
    return worker;
  }
}
