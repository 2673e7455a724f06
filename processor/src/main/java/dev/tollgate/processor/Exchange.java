package dev.tollgate.processor;

import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.service.ext_proc.v3.BodyResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.HeadersResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.TrailersResponse;
import io.grpc.stub.StreamObserver;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One ext_proc stream, that is one HTTP request through Envoy: the state machine that takes each
 * message Envoy sends to the stage that answers it. Authentication at the request headers ({@link
 * Authenticator}, {@link ModelsEndpoint}), body limits, routing and the estimate at the buffered
 * request body ({@link RequestBodyReader}, {@link RequestRouter}, {@link ModelRequest}), usage and
 * error shape while the response streams back ({@link ResponseStream}), and metrics and the access
 * log at the end ({@link OutcomeRecorder}).
 *
 * <p>Envoy sends one message at a time and waits for its answer, so the methods run one after the
 * other; they are synchronized because a JWT check may answer from a key-fetch thread while Envoy
 * cancels the stream.
 */
final class Exchange implements StreamObserver<ProcessingRequest> {
  private static final Logger LOG = LoggerFactory.getLogger(Exchange.class);

  /** Request bodies up to this size are handled on the calling thread, larger ones on a worker. */
  private static final int INLINE_BODY_BYTES = 32 * 1024;

  private final Processor processor;
  private final StreamObserver<ProcessingResponse> out;

  private Policy policy;
  private Instant start;
  private RequestHead head = RequestHead.NONE;
  private TranslatedCall translated;
  private Caller caller;
  private ByteString partialBody;
  private ModelRequest request;
  private ResponseStream response;
  private int status;
  private String error;
  private boolean finished;

  Exchange(Processor processor, StreamObserver<ProcessingResponse> out) {
    this.processor = processor;
    this.out = out;
  }

  // ------------------------------------------------------------------------------ gRPC

  @Override
  public synchronized void onNext(ProcessingRequest message) {
    if (finished) {
      // After an immediate response or the end of the response Envoy has nothing more to ask;
      // should it ask anyway, the answer changes nothing.
      passThrough(message);
      return;
    }
    if (message.getRequestCase() == ProcessingRequest.RequestCase.REQUEST_BODY
        && message.getRequestBody().getBody().size() > INLINE_BODY_BYTES) {
      // The server may run this on the event loop of Envoy's connection; tokenizing a large
      // prompt there would hold up every other request multiplexed on it.
      processor.worker().execute(() -> handleLater(message));
      return;
    }
    handle(message);
  }

  private synchronized void handleLater(ProcessingRequest message) {
    if (!finished) {
      handle(message);
    }
  }

  private void handle(ProcessingRequest message) {
    try {
      switch (message.getRequestCase()) {
        case REQUEST_HEADERS -> onRequestHeaders(message.getRequestHeaders());
        case REQUEST_BODY -> onRequestBody(message.getRequestBody());
        case RESPONSE_HEADERS -> onResponseHeaders(message.getResponseHeaders());
        case RESPONSE_BODY -> onResponseBody(message.getResponseBody());
        default -> passThrough(message);
      }
    } catch (Rejection.Exception e) {
      reject(e.rejection());
    } catch (RuntimeException e) {
      // A bug must cost one request, never the stream or the process.
      LOG.warn(
          "processor failed on {} of request {}", message.getRequestCase(), head.requestId(), e);
      switch (message.getRequestCase()) {
        case REQUEST_HEADERS, REQUEST_BODY ->
            reject(
                Rejection.of(
                    500, "gateway_error", "The gateway could not process the request. Retry."));
        default -> passThrough(message);
      }
    }
  }

  @Override
  public synchronized void onError(Throwable t) {
    finish(true);
  }

  @Override
  public synchronized void onCompleted() {
    finish(response != null && response.reading() && !response.ended());
    try {
      out.onCompleted();
    } catch (RuntimeException e) {
      // The call may already be closed by a cancellation; nothing is left to tell Envoy.
    }
  }

  private void send(ProcessingResponse answer) {
    try {
      out.onNext(answer);
    } catch (RuntimeException e) {
      LOG.debug("could not answer Envoy for request {}: {}", head.requestId(), e.toString());
    }
  }

  private void passThrough(ProcessingRequest message) {
    ProcessingResponse.Builder r = ProcessingResponse.newBuilder();
    switch (message.getRequestCase()) {
      case REQUEST_HEADERS -> r.setRequestHeaders(HeadersResponse.getDefaultInstance());
      case REQUEST_BODY -> r.setRequestBody(BodyResponse.getDefaultInstance());
      case RESPONSE_HEADERS -> r.setResponseHeaders(HeadersResponse.getDefaultInstance());
      case RESPONSE_BODY -> r.setResponseBody(BodyResponse.getDefaultInstance());
      case REQUEST_TRAILERS -> r.setRequestTrailers(TrailersResponse.getDefaultInstance());
      case RESPONSE_TRAILERS -> r.setResponseTrailers(TrailersResponse.getDefaultInstance());
      default -> {
        return;
      }
    }
    send(r.build());
  }

  // ------------------------------------------------------------------------------ request

  private void onRequestHeaders(HttpHeaders headers) throws Rejection.Exception {
    start = processor.clock().instant();
    policy = processor.policy();
    head = RequestHead.of(headers);
    Rejection unserved = UnservedCalls.refusal(head);
    if (unserved != null) {
      // Envoy's routes would refuse it too, but only after the body: answer before it is sent.
      throw new Rejection.Exception(unserved);
    }
    if (policy == null) {
      throw new Rejection.Exception(
          Rejection.of(
              503, "gateway_not_configured", "The gateway has no configuration yet. Retry."));
    }
    Authenticator.CallerResolution resolution = processor.authenticator().resolve(policy, head);
    if (resolution.pending() != null) {
      resolution.pending().whenComplete(this::jwtChecked);
      return;
    }
    caller = resolution.caller();
    authenticated();
  }

  private synchronized void jwtChecked(Caller checked, Throwable failure) {
    if (finished) {
      return;
    }
    try {
      if (failure != null) {
        Rejection refused = Authenticator.rejectionOf(failure);
        if (refused == null) {
          LOG.warn(
              "JWT check failed for request {}", head.requestId(), Authenticator.unwrap(failure));
          refused = Authenticator.invalidKey();
        }
        reject(refused);
        return;
      }
      caller = checked;
      authenticated();
    } catch (Rejection.Exception e) {
      reject(e.rejection());
    } catch (RuntimeException e) {
      LOG.warn("processor failed after the JWT check of request {}", head.requestId(), e);
      reject(Rejection.of(500, "gateway_error", "The gateway could not process the request."));
    }
  }

  private void authenticated() throws Rejection.Exception {
    if (!head.headersOnly()) {
      ExhaustedBudgets.Exhausted exhausted =
          head.path().equals(AnthropicApi.COUNT_TOKENS)
              ? null
              : processor.exhausted().refusing(caller);
      if (exhausted != null) {
        // No body can fit a budget exhausted by settled usage: refuse before it is sent.
        refuseOverBudget(exhausted);
        return;
      }
      processor.bodyReader().checkHeaders(head);
      send(
          AnthropicApi.betaQuery(head)
              ? AnthropicApi.withoutQuery(RequestMutations.headers(head), head.path())
              : RequestMutations.headers(head));
      return;
    }
    if (ModelsEndpoint.serves(head.method(), head.path())) {
      answer(200, ModelsEndpoint.answer(head.path(), policy.models(caller)));
      return;
    }
    if (head.method().equals("POST")) {
      throw new Rejection.Exception(RequestBodyReader.missingBody());
    }
    send(RequestMutations.headersOnly(head, caller));
  }

  private void onRequestBody(HttpBody body) throws Rejection.Exception {
    if (caller == null) {
      passThrough(ProcessingRequest.newBuilder().setRequestBody(body).build());
      return;
    }
    RequestBodyReader reader = processor.bodyReader();
    if (!body.getEndOfStream()) {
      // Only with a processing mode other than BUFFERED; kept so that the limit still holds.
      partialBody = reader.append(partialBody, body.getBody());
      send(
          ProcessingResponse.newBuilder()
              .setRequestBody(BodyResponse.getDefaultInstance())
              .build());
      return;
    }
    byte[] bytes = reader.whole(partialBody, body.getBody());
    partialBody = null;
    RequestBody parsed = reader.parse(bytes, head.path());
    RequestRouter.RoutingDecision routing = RequestRouter.route(policy, caller, parsed.model());
    AnthropicApi.check(head.path(), parsed, routing.target());
    if (AnthropicApi.answersCountTokens(head.path(), routing.target())) {
      answer(
          200,
          AnthropicApi.countTokensAnswer(
              ModelRequest.estimate(processor.estimator(), routing.target(), parsed)));
      return;
    }
    ProcessorConfig config = processor.config();
    if (head.path().equals(AnthropicApi.COUNT_TOKENS)) {
      request = AnthropicApi.countTokens(routing);
    } else {
      request =
          ModelRequest.of(
              routing,
              parsed,
              head.path(),
              processor.estimator(),
              config.defaultOutputTokens(),
              config.maxTokensPerRequest(),
              processor.reserves());
    }
    Policy.Tier tier =
        processor.tierProbe() == null || request.reserve() == 0
            ? null
            : policy.tierOf(request.target());
    if (tier != null && Tiers.mayFall(caller, tier)) {
      Policy.Target asked = request.target();
      processor
          .tierProbe()
          .check(
              asked.route().namespace(),
              asked.route().name(),
              request.client(),
              asked.requestedModel(),
              request.reserve(),
              tier.atWarn())
          .whenComplete((fall, failure) -> tierChecked(bytes, parsed, tier, fall, failure));
      return;
    }
    forward(bytes, parsed);
  }

  private synchronized void tierChecked(
      byte[] bytes, RequestBody parsed, Policy.Tier tier, TierProbe.Fall fall, Throwable failure) {
    if (finished) {
      return;
    }
    try {
      if (failure != null) {
        LOG.debug("tier check failed for request {}: {}", head.requestId(), failure.toString());
      } else if (fall != null) {
        ProcessorConfig config = processor.config();
        request =
            Tiers.fall(
                request,
                tier,
                fall,
                parsed,
                head.path(),
                processor.estimator(),
                config,
                processor.reserves());
        if (request.downgrade() != null) {
          processor
              .recorder()
              .downgraded(request.target().route().namespace(), request.downgrade());
        }
      }
      forward(bytes, parsed);
    } catch (Rejection.Exception e) {
      reject(e.rejection());
    } catch (RuntimeException e) {
      LOG.warn("processor failed after the tier check of request {}", head.requestId(), e);
      reject(Rejection.of(500, "gateway_error", "The gateway could not process the request."));
    }
  }

  /** Sends the routed request on: the body, headers and metadata of {@link #request}. */
  private void forward(byte[] bytes, RequestBody parsed) throws Rejection.Exception {
    // Messages bodies carry no stream_options edit (BodyRules.MESSAGES).
    ProcessingResponse answer =
        RequestMutations.body(bytes, parsed, request, head.requestId(), head.operation());
    if (TranslatedCall.needed(head.path(), request.target())) {
      ProcessingResponse.Builder translating = answer.toBuilder();
      translated =
          TranslatedCall.translate(translating, bytes, request, head.path(), processor.clock());
      answer = translating.build();
    }
    if (AnthropicApi.serves(head.path()) && request.target().api() != Policy.BackendApi.OPENAI) {
      // Anthropic attempts (all of them, or some of a mixed rule's) get the allowed betas.
      answer =
          AnthropicApi.withBetas(answer, head.anthropicBeta(), request.target().anthropicBetas());
      if (request.target().api() == Policy.BackendApi.MIXED) {
        answer =
            AnthropicApi.withMixedRuleHeaders(
                answer,
                head.anthropicVersion(),
                head.anthropicBeta(),
                request.target().anthropicBetas());
      }
    } else if (head.anthropicBeta() != null) {
      // A chat or Responses client's anthropic-beta: cut to what the rule's providers allow when
      // every backend is Anthropic's, else dropped (OpenAI attempts must not get it; a mixed
      // rule's Anthropic attempts send their provider's).
      answer =
          AnthropicApi.withBetas(
              answer,
              head.anthropicBeta(),
              request.target().api() == Policy.BackendApi.ANTHROPIC
                  ? request.target().anthropicBetas()
                  : java.util.Set.of());
    }
    send(answer);
  }

  // ------------------------------------------------------------------------------ response

  private void onResponseHeaders(HttpHeaders headers) {
    send(responseStream().onHeaders(headers, policy, head.requestId()));
    if (response.exhaustedBudget() != null && request != null) {
      processor
          .exhausted()
          .learn(
              request.target().route().namespace(), request.client(), response.exhaustedBudget());
    }
    if (response.ended()) {
      finish(false);
    }
  }

  private void onResponseBody(HttpBody body) {
    send(responseStream().onBody(body));
    if (response.ended()) {
      finish(false);
    }
  }

  private ResponseStream responseStream() {
    if (response == null) {
      response =
          new ResponseStream(
              processor.responseSettings(),
              request,
              AnthropicApi.serves(head.path()),
              translated,
              processor.settles());
    }
    return response;
  }

  // ------------------------------------------------------------------------------ the end

  private void reject(Rejection r) {
    reject(
        r,
        ExtProcMessages.immediate(
            r.status(),
            head.requestId(),
            r.status() == 401,
            r.allow(),
            errorBody(r),
            "tollgate_" + r.code()));
  }

  /**
   * Answers as the rate-limit filter's refusal does (429, its error, {@code retry-after} and the
   * exhausted budget's {@code x-ratelimit-*} headers), before the body is read.
   */
  private void refuseOverBudget(ExhaustedBudgets.Exhausted exhausted) {
    Rejection r = ExhaustedBudgets.REFUSAL;
    reject(
        r,
        ExtProcMessages.immediate(
            r.status(),
            head.requestId(),
            exhausted.headers(processor.clock().instant()),
            errorBody(r),
            "tollgate_budget_exhausted"));
  }

  /** Sends a rejection's immediate answer, records it and ends the exchange. */
  private void reject(Rejection r, ProcessingResponse answer) {
    status = r.status();
    error = r.code();
    send(answer);
    processor.recorder().rejected(r.code(), caller);
    finish(false);
  }

  /** A rejection's body in the calling API's error shape (Anthropic's on its paths). */
  private byte[] errorBody(Rejection r) {
    return AnthropicApi.serves(head.path())
        ? AnthropicErrors.body(AnthropicErrors.typeForStatus(r.status()), r.message())
        : r.body();
  }

  private void answer(int code, byte[] body) {
    status = code;
    send(ExtProcMessages.immediate(code, head.requestId(), false, null, body, "tollgate_local"));
    finish(false);
  }

  /** Records the request once: metrics for model requests, and the access-log line. */
  private void finish(boolean aborted) {
    if (finished || start == null) {
      finished = true;
      return;
    }
    finished = true;
    boolean endedEarly = aborted && (response == null || !response.ended());
    processor.recorder().record(start, head, caller, request, response, status, error, endedEarly);
  }
}
