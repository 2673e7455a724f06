package dev.tollgate.processor;

import static dev.tollgate.processor.ExtProcMessages.set;
import static dev.tollgate.processor.ExtProcMessages.value;

import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import dev.tollgate.model.Wire;
import dev.tollgate.translate.SseParser;
import dev.tollgate.translate.TranslatedResponse;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode;
import io.envoyproxy.envoy.service.ext_proc.v3.BodyResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.CommonResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.HeaderMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.HeadersResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import java.time.Clock;
import java.time.Instant;

/**
 * The response side of one exchange: reads the status, the provider that served and the body's
 * usage as it streams back, rewrites error bodies into OpenAI's shape, and accounts the usage after
 * each step. The usage is written to Envoy's dynamic metadata at the headers and again whenever a
 * body chunk changes it, so the commit at stream done charges the best evidence at whatever point
 * the response stops: Envoy releases a chunk to the client only after its answer here. One per
 * response; not thread-safe (the exchange serializes its calls).
 */
final class ResponseStream {
  /**
   * What every response stream of a processor shares.
   *
   * @param estimator counts the output of responses without a usage report
   * @param clock times the first token
   * @param maxErrorBodyBytes largest upstream error body read to rewrite
   * @param maxSseEventBytes largest server-sent event parsed for usage
   */
  record Settings(
      TokenEstimator estimator, Clock clock, int maxErrorBodyBytes, int maxSseEventBytes) {}

  private enum Mode {
    NONE,
    SSE,
    JSON,
    ERROR
  }

  private final Settings settings;
  private final ModelRequest request;
  private final long reservedOutput;
  private int status;
  private Mode mode = Mode.NONE;
  private ResponseUsage usage;
  private SseParser sse;
  private ErrorBody errorBody;
  private final boolean anthropicErrors;
  private final TranslatedCall translated;
  private TranslatedCall translating;
  private String provider;
  private boolean budgetRefused;
  private String exhaustedBudget;
  private boolean quotaWarned;
  private Integer attempts;
  private Instant firstToken;
  private boolean eventStream;
  private boolean ended;
  private final boolean processorSettles;
  private String error;
  private AccountedUsage accounted = AccountedUsage.NONE;

  /**
   * Starts the response of a request.
   *
   * @param request the model request, or null when the request was none (Envoy routed it)
   * @param anthropicErrors whether error bodies take Anthropic's shape (a Messages API call)
   * @param translated the translation of a call some or all of whose backends speak another API, or
   *     null; it applies when the provider that answered speaks that API
   * @param processorSettles whether the processor commits the usage itself when the exchange ends
   *     (then the answer to the last message disarms Envoy's stream-done commit)
   */
  ResponseStream(
      Settings settings,
      ModelRequest request,
      boolean anthropicErrors,
      TranslatedCall translated,
      boolean processorSettles) {
    this.settings = settings;
    this.processorSettles = processorSettles;
    this.request = request;
    this.anthropicErrors = anthropicErrors;
    this.translated = translated;
    this.reservedOutput = request == null ? 0 : Math.max(0, request.reserve() - request.estimate());
  }

  /** Answers the response headers. */
  ProcessingResponse onHeaders(HttpHeaders headers, Policy policy, String requestId) {
    Policy.Target target = request == null ? null : request.target();
    String contentType = null;
    String encoding = null;
    boolean hasProviderHeader = false;
    for (HeaderValue h : headers.getHeaders().getHeadersList()) {
      switch (h.getKey()) {
        case ":status" -> status = (int) ExtProcMessages.parseLength(value(h));
        case "content-type" -> contentType = value(h);
        case "content-encoding" -> encoding = value(h);
        // Set by Envoy's rate-limit filter on its own 429; a provider could send it too, so it
        // counts only on an answer without the provider header (below).
        case "x-envoy-ratelimited" -> budgetRefused = true;
        // The rate-limit service's reserve answer: this request's charge reaches a warning level.
        case Wire.QUOTA_WARNING_HEADER -> quotaWarned = true;
        // The rate-limit service's refusal: a budget no request can fit until its window ends.
        case Wire.BUDGET_EXHAUSTED_HEADER -> exhaustedBudget = value(h);
        // The router's count of upstream attempts (include_attempt_count_in_response).
        case Wire.ATTEMPT_COUNT_HEADER -> attempts = attemptCount(value(h));
        case Wire.PROVIDER_HEADER -> {
          hasProviderHeader = true;
          String named = value(h);
          if (policy != null && policy.hasProvider(named)) {
            provider = named;
          }
        }
        default -> {}
      }
    }
    boolean exhaustedHeader = exhaustedBudget != null;
    if (hasProviderHeader) {
      // Envoy sets the provider header on every upstream answer (overwriting a provider's own),
      // never on its local replies: an answer that has it came from a provider, whose word on
      // budgets (x-envoy-ratelimited, the exhausted-budget header) is not believed.
      budgetRefused = false;
      exhaustedBudget = null;
    }
    if (provider == null && target != null) {
      provider = target.onlyProvider();
    }
    if (translated != null
        && translated.appliesTo(policy == null ? null : policy.providerApi(provider))) {
      translating = translated;
    }
    // A provider's error is translated; Envoy's own (no provider header) is in the client's shape.
    boolean translatedError = translating != null && hasProviderHeader && provider != null;
    HeaderMutation.Builder mutation = HeaderMutation.newBuilder();
    if (hasProviderHeader) {
      mutation.addRemoveHeaders(Wire.PROVIDER_HEADER);
    }
    if (exhaustedHeader) {
      // For the processor, not for the client (a provider's forged one is dropped too).
      mutation.addRemoveHeaders(Wire.BUDGET_EXHAUSTED_HEADER);
    }
    if (attempts != null) {
      // For the ledger, not for the client: how often Envoy retried is the gateway's business.
      mutation.addRemoveHeaders(Wire.ATTEMPT_COUNT_HEADER);
    }
    if (requestId != null) {
      mutation.addSetHeaders(set(Wire.REQUEST_ID_HEADER, requestId));
    }
    if (request != null && request.downgrade() != null) {
      mutation.addSetHeaders(set(Downgrade.HEADER, request.downgrade().headerValue()));
    }
    ProcessingResponse.Builder response = ProcessingResponse.newBuilder();
    if (headers.getEndOfStream()) {
      ended = true;
      response.setDynamicMetadata(account());
      disarmEnvoyCommit(response);
    } else if (status >= 400 || status < 100) {
      mode = Mode.ERROR;
      // Replaces the request's default (the whole reservation): an error generated nothing,
      // except a 504, which keeps charging the whole reservation (AccountedUsage).
      response.setDynamicMetadata(account());
      if (!translatedError) {
        translating = null;
        errorBody = new ErrorBody(status, settings.maxErrorBodyBytes(), anthropicErrors);
      }
      mutation.addRemoveHeaders("content-length");
      mutation.addSetHeaders(set("content-type", "application/json"));
    } else if (target != null
        && translating != null
        && translating.holdsWhole(contentType, encoding)) {
      // Held whole until it is translated, so that an answer that is not a message (nor the
      // event stream asked for) can still get a 502 in the client's shape instead of its 200.
      mode = Mode.JSON;
      mutation.addRemoveHeaders("content-length");
      mutation.addSetHeaders(set("content-type", "application/json"));
      response.setModeOverride(
          ProcessingMode.newBuilder()
              .setResponseBodyMode(ProcessingMode.BodySendMode.BUFFERED)
              .setResponseTrailerMode(ProcessingMode.HeaderSendMode.SKIP));
      usage = new ResponseUsage(settings.estimator(), target.tokenizer().encoding());
      response.setDynamicMetadata(account());
    } else if (target != null
        && (encoding == null || encoding.equalsIgnoreCase("identity"))
        && contentType != null
        && (ExtProcMessages.isEventStream(contentType) || ExtProcMessages.isJson(contentType))) {
      eventStream = ExtProcMessages.isEventStream(contentType);
      mode = eventStream ? Mode.SSE : Mode.JSON;
      if (translating != null) {
        // An event stream a streaming request asked for (every other answer is held whole).
        mutation.addRemoveHeaders("content-length");
      }
      usage = new ResponseUsage(settings.estimator(), target.tokenizer().encoding());
      if (eventStream) {
        sse = new SseParser(settings.maxSseEventBytes(), usage);
      }
      // Provisional usage, what the commit charges if the response stops before its end: the
      // input, and for a JSON answer (generated whole before its first byte) the output reserved.
      response.setDynamicMetadata(account());
    } else {
      translating = null;
      // Nothing to read (a compressed or binary body): commit the estimate and the output
      // reserved, the only evidence there will be, and skip the body.
      mode = Mode.NONE;
      response.setDynamicMetadata(account());
      response.setModeOverride(
          ProcessingMode.newBuilder()
              .setResponseBodyMode(ProcessingMode.BodySendMode.NONE)
              .setResponseTrailerMode(ProcessingMode.HeaderSendMode.SKIP));
    }
    return response
        .setResponseHeaders(
            HeadersResponse.newBuilder()
                .setResponse(CommonResponse.newBuilder().setHeaderMutation(mutation)))
        .build();
  }

  /** Answers a chunk of the response body. */
  ProcessingResponse onBody(HttpBody body) {
    boolean last = body.getEndOfStream();
    ByteString chunk = body.getBody();
    BodyResponse.Builder answer = BodyResponse.newBuilder();
    switch (mode) {
      case SSE -> {
        if (!chunk.isEmpty()) {
          byte[] bytes = chunk.toByteArray();
          sse.feed(bytes, 0, bytes.length);
        }
        if (last) {
          sse.finish();
        }
        if (firstToken == null && usage.sawOutput()) {
          firstToken = settings.clock().instant();
        }
      }
      case JSON -> {
        if (firstToken == null && !chunk.isEmpty()) {
          firstToken = settings.clock().instant();
        }
        usage.feedJson(chunk.toByteArray(), last);
      }
      case ERROR -> {
        if (translating != null) {
          answer.setResponse(
              CommonResponse.newBuilder()
                  .setBodyMutation(
                      TranslatedCall.mutationOf(translating.whole(chunk, last, status))));
          if (last) {
            error = status == 429 ? "rate_limited" : "upstream_" + status;
          }
        } else {
          answer.setResponse(
              CommonResponse.newBuilder().setBodyMutation(errorBody.chunk(chunk, last)));
          if (last) {
            error = errorBody.code();
          }
        }
      }
      case NONE -> {}
    }
    if (translating != null && mode == Mode.SSE) {
      answer.setResponse(
          CommonResponse.newBuilder().setBodyMutation(translating.streamChunk(chunk, last)));
    } else if (translating != null && mode == Mode.JSON) {
      TranslatedResponse whole = translating.whole(chunk, last, status);
      CommonResponse.Builder common =
          CommonResponse.newBuilder().setBodyMutation(TranslatedCall.mutationOf(whole));
      if (whole != null && whole.status() != status) {
        // The body is buffered (the mode set at the headers), so the status can still change.
        status = whole.status();
        error = "untranslatable_response";
        common.setHeaderMutation(
            HeaderMutation.newBuilder().addSetHeaders(set(":status", Integer.toString(status))));
      }
      answer.setResponse(common);
    }
    ProcessingResponse.Builder response = ProcessingResponse.newBuilder().setResponseBody(answer);
    if (last) {
      ended = true;
      response.setDynamicMetadata(account());
      disarmEnvoyCommit(response);
    } else if (mode == Mode.SSE || mode == Mode.JSON) {
      // What the commit charges if the response stops after this chunk; written only on change.
      if (reaccount()) {
        response.setDynamicMetadata(metadata());
      }
    }
    return response.build();
  }

  /**
   * At the response's last message, when the processor settles the request itself: empties the
   * phase of Envoy's stream-done commit ({@link Wire#ENVOY_COMMIT_PHASE}), so that Envoy makes no
   * second commit. A budget refusal keeps it: the processor does not settle what was not reserved.
   */
  private void disarmEnvoyCommit(ProcessingResponse.Builder response) {
    if (processorSettles && request != null && !budgetRefused()) {
      ExtProcMessages.putMetadata(response, Wire.ENVOY_COMMIT_PHASE, "");
    }
  }

  private Struct account() {
    reaccount();
    return metadata();
  }

  /** The usage accounted, with what the gateway's span reads of the response. */
  private Struct metadata() {
    String system =
        provider == null || request == null ? null : request.target().systems().get(provider);
    return SpanMetadata.withResponse(accounted.metadata(provider), system, responseModel());
  }

  /** Accounts the response so far; returns whether that changed the usage accounted. */
  private boolean reaccount() {
    AccountedUsage next =
        AccountedUsage.of(
            request == null ? null : request.target(),
            status,
            usage,
            request == null ? 0 : request.estimate(),
            ended,
            mode == Mode.SSE ? 0 : reservedOutput,
            provider);
    boolean changed = !next.equals(accounted);
    accounted = next;
    return changed;
  }

  /** The status the provider answered with, 0 before it did. */
  int status() {
    return status;
  }

  /** Whether the body is read (or rewritten) as it streams. */
  boolean reading() {
    return mode != Mode.NONE;
  }

  /** Whether the response's last message has been seen. */
  boolean ended() {
    return ended;
  }

  /** Whether the answer is the rate-limit filter's refusal, not a provider's. */
  boolean budgetRefused() {
    return budgetRefused && status == 429;
  }

  /**
   * The rate-limit service's word that this refusal's budget stays exhausted until its window ends
   * ({@link Wire#BUDGET_EXHAUSTED_HEADER}), or null.
   */
  String exhaustedBudget() {
    return budgetRefused() ? exhaustedBudget : null;
  }

  /** Whether the rate-limit service warned that this request's charge reaches a warning level. */
  boolean quotaWarned() {
    return quotaWarned;
  }

  /** Envoy's count of upstream attempts, or null when no upstream was tried. */
  Integer attempts() {
    return attempts;
  }

  private static Integer attemptCount(String value) {
    long n = ExtProcMessages.parseLength(value);
    return n > 0 && n <= Integer.MAX_VALUE ? (int) n : null;
  }

  /** The provider that served, or null when unknown. */
  String provider() {
    return provider;
  }

  /** When the first generated output arrived, or null. */
  Instant firstToken() {
    return firstToken;
  }

  /** Whether the response is a stream of server-sent events. */
  boolean eventStream() {
    return eventStream;
  }

  /** The short code of an upstream error the whole body of which was seen, or null. */
  String error() {
    return error;
  }

  /** Whether the response body reported an error mid-stream. */
  boolean sawStreamError() {
    return usage != null && usage.sawError();
  }

  /** The model the provider says answered, or null. */
  String responseModel() {
    return usage == null ? null : usage.responseModel();
  }

  /** The usage accounted after the last step. */
  AccountedUsage accounted() {
    return accounted;
  }
}
