package dev.tollgate.processor;

import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.tollgate.model.GatewayModel;
import dev.tollgate.model.Wire;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode;
import io.envoyproxy.envoy.service.ext_proc.v3.BodyMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.BodyResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.CommonResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.HeaderMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.HeadersResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.ImmediateResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.TrailersResponse;
import io.envoyproxy.envoy.type.v3.HttpStatus;
import io.grpc.stub.StreamObserver;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One ext_proc stream, that is one HTTP request through Envoy: authentication at the request
 * headers, model, estimate and routing at the buffered request body, usage and error shape while
 * the response streams back, and accounting, metrics and the access log at the end.
 *
 * <p>Envoy sends one message at a time and waits for its answer, so the methods run one after the
 * other; they are synchronized because a JWT check may answer from a key-fetch thread while Envoy
 * cancels the stream.
 */
final class Exchange implements StreamObserver<ProcessingRequest> {
  private static final Logger LOG = LoggerFactory.getLogger(Exchange.class);

  /** Response header naming the provider that served, set upstream; removed before the client. */
  static final String PROVIDER_HEADER = "x-tollgate-provider";

  /** Metadata key: the request id, beside the estimate. */
  static final String REQUEST_ID = "request_id";

  /** Metadata key: input plus output tokens. */
  static final String TOTAL_TOKENS = "total_tokens";

  /** Metadata key: the cost of the request, a decimal in {@link #CURRENCY}. */
  static final String COST = "cost";

  /** Metadata key: the currency of the cost. */
  static final String CURRENCY = "currency";

  /** Tokens an image part is estimated at: what OpenAI charges for a 1024x1024 image. */
  static final int IMAGE_TOKENS = 765;

  private static final int MAX_CREDENTIAL_CHARS = 16 * 1024;

  /** Request bodies up to this size are handled on the calling thread, larger ones on a worker. */
  static final int INLINE_BODY_BYTES = 32 * 1024;

  private static final int MAX_LOGGED_PATH = 256;
  private static final Pattern SAFE_CLIENT_ID = Pattern.compile("[A-Za-z0-9._:@/+=|-]{1,256}");

  private enum Mode {
    NONE,
    SSE,
    JSON,
    ERROR
  }

  private final Processor processor;
  private final StreamObserver<ProcessingResponse> out;

  private Policy policy;
  private Instant start;
  private String requestId;
  private String method = "";
  private String path = "";
  private Operation operation = Operation.OTHER;
  private boolean headersOnly;
  private long contentLength = -1;
  private String contentType;
  private final List<String> removeHeaders = new ArrayList<>(4);
  private boolean ambiguousCredential;

  private Caller caller;
  private Policy.Target target;
  private String client;
  private boolean streamRequested;
  private long estimate;
  private long reserve;
  private ByteString partialBody;

  private int status;
  private Mode mode = Mode.NONE;
  private ResponseUsage usage;
  private SseParser sse;
  private byte[] errorBody;
  private int errorLength;
  private boolean errorTruncated;
  private String provider;
  private Instant firstToken;
  private boolean eventStream;
  private boolean responseEnded;
  private long inputTokens;
  private long cachedTokens;
  private long outputTokens;
  private String usageSource = "none";
  private BigDecimal cost;
  private String currency;
  private String error;
  private boolean finished;

  Exchange(Processor processor, StreamObserver<ProcessingResponse> out) {
    this.processor = processor;
    this.out = out;
  }

  // ------------------------------------------------------------------------------ gRPC

  @Override
  public synchronized void onNext(ProcessingRequest request) {
    if (finished) {
      // After an immediate response or the end of the response Envoy has nothing more to ask;
      // should it ask anyway, the answer changes nothing.
      passThrough(request);
      return;
    }
    if (request.getRequestCase() == ProcessingRequest.RequestCase.REQUEST_BODY
        && request.getRequestBody().getBody().size() > INLINE_BODY_BYTES) {
      // The server may run this on the event loop of Envoy's connection; tokenizing a large
      // prompt there would hold up every other request multiplexed on it.
      processor.worker().execute(() -> handleLater(request));
      return;
    }
    handle(request);
  }

  private synchronized void handleLater(ProcessingRequest request) {
    if (!finished) {
      handle(request);
    }
  }

  private void handle(ProcessingRequest request) {
    try {
      switch (request.getRequestCase()) {
        case REQUEST_HEADERS -> onRequestHeaders(request.getRequestHeaders());
        case REQUEST_BODY -> onRequestBody(request.getRequestBody());
        case RESPONSE_HEADERS -> onResponseHeaders(request.getResponseHeaders());
        case RESPONSE_BODY -> onResponseBody(request.getResponseBody());
        default -> passThrough(request);
      }
    } catch (RuntimeException e) {
      // A bug must cost one request, never the stream or the process.
      LOG.warn("processor failed on {} of request {}", request.getRequestCase(), requestId, e);
      switch (request.getRequestCase()) {
        case REQUEST_HEADERS, REQUEST_BODY ->
            reject(
                Rejection.of(
                    500, "gateway_error", "The gateway could not process the request. Retry."));
        default -> passThrough(request);
      }
    }
  }

  @Override
  public synchronized void onError(Throwable t) {
    finish(true);
  }

  @Override
  public synchronized void onCompleted() {
    finish(mode != Mode.NONE && !responseEnded);
    try {
      out.onCompleted();
    } catch (RuntimeException e) {
      // The call may already be closed by a cancellation; nothing is left to tell Envoy.
    }
  }

  private void send(ProcessingResponse response) {
    try {
      out.onNext(response);
    } catch (RuntimeException e) {
      LOG.debug("could not answer Envoy for request {}: {}", requestId, e.toString());
    }
  }

  private void passThrough(ProcessingRequest request) {
    ProcessingResponse.Builder r = ProcessingResponse.newBuilder();
    switch (request.getRequestCase()) {
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

  private void onRequestHeaders(HttpHeaders headers) {
    start = processor.clock().instant();
    policy = processor.policy();
    headersOnly = headers.getEndOfStream();
    String authorization = null;
    String apiKey = null;
    int credentials = 0;
    for (HeaderValue h : headers.getHeaders().getHeadersList()) {
      String key = h.getKey();
      switch (key) {
        case ":path" -> path = pathOnly(value(h));
        case ":method" -> method = value(h);
        case "x-request-id" -> requestId = value(h);
        case "authorization" -> {
          authorization = value(h);
          credentials++;
          removeHeaders.add(key);
        }
        case "x-api-key", "api-key" -> {
          apiKey = value(h);
          credentials++;
          removeHeaders.add(key);
        }
        case "content-length" -> contentLength = parseLength(value(h));
        case "content-type" -> contentType = value(h);
        // Upstream compression would hide usage from the processor; Envoy may still compress
        // towards the client.
        case "accept-encoding" -> removeHeaders.add(key);
        default -> {
          if (key.startsWith("x-tollgate-")) {
            removeHeaders.add(key);
          }
        }
      }
    }
    ambiguousCredential = credentials > 1;
    operation = Operation.ofPath(path);
    if (policy == null) {
      reject(
          Rejection.of(
              503, "gateway_not_configured", "The gateway has no configuration yet. Retry."));
      return;
    }
    authenticate(authorization, apiKey);
  }

  private void authenticate(String authorization, String apiKey) {
    if (ambiguousCredential) {
      reject(
          Rejection.of(
              401,
              "invalid_api_key",
              "Send one credential: either Authorization: Bearer or x-api-key, not both."));
      return;
    }
    String credential = apiKey;
    if (authorization != null) {
      if (authorization.length() < 7 || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
        reject(
            Rejection.of(
                401,
                "invalid_api_key",
                "The Authorization header must be 'Bearer <key or token>'."));
        return;
      }
      credential = authorization.substring(7).trim();
    }
    if (credential == null || credential.isEmpty()) {
      reject(
          Rejection.of(
              401,
              "missing_api_key",
              "You didn't provide an API key. Send it as 'Authorization: Bearer <key>' or in the"
                  + " x-api-key header."));
      return;
    }
    if (credential.length() > MAX_CREDENTIAL_CHARS) {
      reject(invalidKey());
      return;
    }
    GatewayModel.Client key = policy.clientByKeyHash(Policy.sha256(credential));
    if (key != null) {
      caller =
          new Caller(
              Caller.API_KEY,
              key.namespace(),
              key.clientId(),
              policy.routesOf(key),
              Collections.emptyMap());
      authenticated();
      return;
    }
    if (policy.acceptsJwt() && JwtAuthenticator.looksLikeJwt(credential)) {
      processor
          .jwt()
          .authenticate(credential, policy)
          .whenComplete((c, failure) -> jwtChecked(c, failure));
      return;
    }
    reject(invalidKey());
  }

  private synchronized void jwtChecked(Caller checked, Throwable failure) {
    if (finished) {
      return;
    }
    try {
      if (failure != null) {
        Throwable cause = failure;
        while (cause instanceof CompletionException && cause.getCause() != null) {
          cause = cause.getCause();
        }
        if (cause instanceof Rejection.Exception r) {
          reject(r.rejection());
        } else {
          LOG.warn("JWT check failed for request {}", requestId, cause);
          reject(invalidKey());
        }
        return;
      }
      caller = checked;
      authenticated();
    } catch (RuntimeException e) {
      LOG.warn("processor failed after the JWT check of request {}", requestId, e);
      reject(Rejection.of(500, "gateway_error", "The gateway could not process the request."));
    }
  }

  private static Rejection invalidKey() {
    return Rejection.of(
        401,
        "invalid_api_key",
        "Incorrect API key provided. Ask your platform team for a Tollgate key or token.");
  }

  private void authenticated() {
    if (headersOnly) {
      if (method.equals("GET") && path.equals("/v1/models")) {
        answer(200, modelList());
        return;
      }
      if (method.equals("GET") && path.startsWith("/v1/models/")) {
        String id = path.substring("/v1/models/".length());
        if (policy.models(caller).contains(id)) {
          answer(200, modelObject(id).getBytes(StandardCharsets.UTF_8));
        } else {
          reject(modelNotFound(id));
        }
        return;
      }
      if (method.equals("POST")) {
        reject(
            Rejection.of(
                400,
                "missing_body",
                "The request has no body; send a JSON object with at least a model."));
        return;
      }
      // No model to read: Envoy answers from its routes (404 for anything but a model route).
      HeaderMutation.Builder mutation = removals();
      if (caller.namespace() != null) {
        mutation.addSetHeaders(set(Wire.NAMESPACE_HEADER, caller.namespace()));
      }
      send(
          ProcessingResponse.newBuilder()
              .setRequestHeaders(
                  HeadersResponse.newBuilder()
                      .setResponse(CommonResponse.newBuilder().setHeaderMutation(mutation)))
              .setDynamicMetadata(metadata(Wire.RESERVE_TOKENS, "0"))
              .build());
      return;
    }
    if (contentLength > processor.config().maxRequestBodyBytes()) {
      reject(tooLarge());
      return;
    }
    if (contentType != null && !isJson(contentType)) {
      reject(
          Rejection.of(
              415,
              "unsupported_media_type",
              "Tollgate reads JSON request bodies; send Content-Type: application/json."));
      return;
    }
    send(
        ProcessingResponse.newBuilder()
            .setRequestHeaders(
                HeadersResponse.newBuilder()
                    .setResponse(CommonResponse.newBuilder().setHeaderMutation(removals())))
            .build());
  }

  private Rejection tooLarge() {
    return Rejection.of(
        413,
        "request_too_large",
        "The request body is larger than the gateway's limit of "
            + processor.config().maxRequestBodyBytes()
            + " bytes.");
  }

  private void onRequestBody(HttpBody body) {
    if (caller == null) {
      passThrough(ProcessingRequest.newBuilder().setRequestBody(body).build());
      return;
    }
    int limit = processor.config().maxRequestBodyBytes();
    if (!body.getEndOfStream()) {
      // Only with a processing mode other than BUFFERED; kept so that the limit still holds.
      ByteString sofar = partialBody == null ? ByteString.EMPTY : partialBody;
      if (sofar.size() + body.getBody().size() > limit) {
        reject(tooLarge());
        return;
      }
      partialBody = sofar.concat(body.getBody());
      send(
          ProcessingResponse.newBuilder()
              .setRequestBody(BodyResponse.getDefaultInstance())
              .build());
      return;
    }
    byte[] bytes;
    if (partialBody != null) {
      if (partialBody.size() + body.getBody().size() > limit) {
        reject(tooLarge());
        return;
      }
      bytes = partialBody.concat(body.getBody()).toByteArray();
      partialBody = null;
    } else {
      if (body.getBody().size() > limit) {
        reject(tooLarge());
        return;
      }
      bytes = body.getBody().toByteArray();
    }
    RequestBody parsed;
    try {
      parsed =
          new RequestBodyParser(processor.config().exactTokenizeChars()).parse(bytes, bytes.length);
    } catch (RequestBodyParser.InvalidBodyException e) {
      reject(
          new Rejection(
              400, "invalid_request_error", "invalid_request_body", e.getMessage(), e.param()));
      return;
    }
    if (parsed.model() == null || parsed.model().isEmpty()) {
      reject(
          new Rejection(
              400,
              "invalid_request_error",
              "missing_model",
              "You must provide a model parameter.",
              "model"));
      return;
    }
    Rejection problem = resolve(parsed.model());
    if (problem != null) {
      reject(problem);
      return;
    }
    streamRequested = parsed.stream();
    estimate = estimate(parsed);
    reserve = reserve(parsed);

    List<BodyEdits.Edit> edits = new ArrayList<>(2);
    if (parsed.stream()) {
      edits.addAll(parsed.usageEdits());
    }
    if (target.upstreamModelRewrite() != null) {
      edits.add(
          BodyEdits.Edit.of(
              parsed.modelStart(), parsed.modelEnd(), Json.quote(target.upstreamModelRewrite())));
    }
    HeaderMutation.Builder headers =
        HeaderMutation.newBuilder()
            .addSetHeaders(set(Wire.NAMESPACE_HEADER, target.route().namespace()))
            .addSetHeaders(set(Wire.CLIENT_HEADER, client))
            .addSetHeaders(set(Wire.MODEL_HEADER, target.requestedModel()));
    CommonResponse.Builder common = CommonResponse.newBuilder().setClearRouteCache(true);
    if (!edits.isEmpty()) {
      byte[] edited = BodyEdits.apply(bytes, bytes.length, edits);
      common.setBodyMutation(BodyMutation.newBuilder().setBody(ByteString.copyFrom(edited)));
      headers.addSetHeaders(set("content-length", Integer.toString(edited.length)));
    }
    common.setHeaderMutation(headers);
    Struct.Builder meta = Struct.newBuilder();
    put(meta, Wire.RESERVE_TOKENS, Long.toString(reserve));
    // The budget commit at stream end and Envoy's access log read the identity from here: the
    // x-tollgate-* headers above are removed before the request reaches the provider.
    put(meta, Wire.NAMESPACE_KEY, target.route().namespace());
    put(meta, Wire.CLIENT_KEY, client);
    put(meta, Wire.MODEL_KEY, target.requestedModel());
    if (requestId != null) {
      put(meta, REQUEST_ID, requestId);
    }
    send(
        ProcessingResponse.newBuilder()
            .setRequestBody(BodyResponse.newBuilder().setResponse(common))
            .setDynamicMetadata(wrap(meta))
            .build());
  }

  /** Finds the target of the requested model among the caller's routes; a rejection if none. */
  private Rejection resolve(String model) {
    Policy.Target found = null;
    if (caller.method().equals(Caller.API_KEY)) {
      found = policy.target(caller.namespace(), model);
      if (found != null && !mayCall(caller, found.route())) {
        // Another route of the namespace serves this model, one whose clients do not include this
        // key: answered like a model that does not exist, as OpenAI does.
        found = null;
      }
    } else {
      for (Policy.RouteView route : caller.routes()) {
        if (Collections.binarySearch(route.models(), model) >= 0) {
          if (found != null && !found.route().namespace().equals(route.namespace())) {
            return Rejection.of(
                403,
                "ambiguous_namespace",
                "Routes in several namespaces accept this token and serve this model; give each"
                    + " route its own audience.");
          }
          found = policy.target(route.namespace(), model);
        }
      }
    }
    if (found == null) {
      return modelNotFound(model);
    }
    String id = caller.clientOn(found.route());
    if (id == null || !SAFE_CLIENT_ID.matcher(id).matches()) {
      return Rejection.of(
          403,
          "invalid_client_id",
          "The token's client claim is missing or has characters a client id cannot have.");
    }
    target = found;
    client = id;
    return null;
  }

  private static boolean mayCall(Caller caller, Policy.RouteView route) {
    for (Policy.RouteView allowed : caller.routes()) {
      if (allowed == route) {
        return true;
      }
    }
    return false;
  }

  private Rejection modelNotFound(String model) {
    List<String> models = policy.models(caller);
    String shown =
        models.size() <= 50
            ? String.join(", ", models)
            : String.join(", ", models.subList(0, 50)) + ", ...";
    String name = model.length() > 128 ? model.substring(0, 128) + "..." : model;
    return new Rejection(
        404,
        "invalid_request_error",
        "model_not_found",
        "The model '"
            + name
            + "' does not exist or you do not have access to it. Models you may use: "
            + (shown.isEmpty() ? "none" : shown)
            + ".",
        "model");
  }

  private long estimate(RequestBody parsed) {
    long text =
        processor
            .estimator()
            .countExtrapolated(target.tokenizer().encoding(), parsed.text(), parsed.textChars());
    long framing = parsed.messages() > 0 ? 3L * parsed.messages() + 3 : 0;
    return saturatingAdd(
        saturatingAdd(text, framing + parsed.names()),
        saturatingAdd((long) IMAGE_TOKENS * parsed.images(), parsed.tokenIds()));
  }

  private long reserve(RequestBody parsed) {
    long cap = 0;
    if (operation.producesOutput()) {
      cap =
          parsed.maxOutputTokens() >= 0
              ? parsed.maxOutputTokens()
              : processor.config().defaultOutputTokens();
      if (target.contextWindow() != null) {
        cap = Math.min(cap, Math.max(0, target.contextWindow() - estimate));
      }
    }
    long output = cap > Long.MAX_VALUE / parsed.choices() ? Long.MAX_VALUE : cap * parsed.choices();
    return saturatingAdd(estimate, output);
  }

  private byte[] modelList() {
    StringBuilder json = new StringBuilder("{\"object\":\"list\",\"data\":[");
    List<String> models = policy.models(caller);
    for (int i = 0; i < models.size(); i++) {
      json.append(i == 0 ? "" : ",").append(modelObject(models.get(i)));
    }
    return json.append("]}").toString().getBytes(StandardCharsets.UTF_8);
  }

  private static String modelObject(String id) {
    return "{\"id\":"
        + Json.quote(id)
        + ",\"object\":\"model\",\"created\":0,\"owned_by\":\"tollgate\"}";
  }

  // ------------------------------------------------------------------------------ response

  private void onResponseHeaders(HttpHeaders headers) {
    String contentTypeOut = null;
    String encoding = null;
    boolean hasProviderHeader = false;
    for (HeaderValue h : headers.getHeaders().getHeadersList()) {
      switch (h.getKey()) {
        case ":status" -> status = (int) parseLength(value(h));
        case "content-type" -> contentTypeOut = value(h);
        case "content-encoding" -> encoding = value(h);
        case PROVIDER_HEADER -> {
          hasProviderHeader = true;
          String named = value(h);
          if (policy != null && policy.hasProvider(named)) {
            provider = named;
          }
        }
        default -> {}
      }
    }
    if (provider == null && target != null) {
      provider = target.onlyProvider();
    }
    HeaderMutation.Builder mutation = HeaderMutation.newBuilder();
    if (hasProviderHeader) {
      mutation.addRemoveHeaders(PROVIDER_HEADER);
    }
    if (requestId != null) {
      mutation.addSetHeaders(set(Wire.REQUEST_ID_HEADER, requestId));
    }
    ProcessingResponse.Builder response = ProcessingResponse.newBuilder();
    if (headers.getEndOfStream()) {
      responseEnded = true;
      account();
      response.setDynamicMetadata(usageMetadata());
    } else if (status >= 400 || status < 100) {
      mode = Mode.ERROR;
      errorBody = new byte[Math.min(4096, processor.config().maxErrorBodyBytes())];
      mutation.addRemoveHeaders("content-length");
      mutation.addSetHeaders(set("content-type", "application/json"));
    } else if (target != null
        && (encoding == null || encoding.equalsIgnoreCase("identity"))
        && contentTypeOut != null
        && (startsWithIgnoreCase(contentTypeOut, "text/event-stream") || isJson(contentTypeOut))) {
      eventStream = startsWithIgnoreCase(contentTypeOut, "text/event-stream");
      mode = eventStream ? Mode.SSE : Mode.JSON;
      usage = new ResponseUsage(processor.estimator(), target.tokenizer().encoding());
      if (eventStream) {
        sse = new SseParser(processor.config().maxSseEventBytes(), usage);
      }
      // Provisional usage: if the client goes away mid-stream, the commit still counts the input.
      account();
      response.setDynamicMetadata(usageMetadata());
    } else {
      // Nothing to read (a compressed or binary body): commit the estimate and skip the body.
      mode = Mode.NONE;
      account();
      response.setDynamicMetadata(usageMetadata());
      response.setModeOverride(
          ProcessingMode.newBuilder()
              .setResponseBodyMode(ProcessingMode.BodySendMode.NONE)
              .setResponseTrailerMode(ProcessingMode.HeaderSendMode.SKIP));
    }
    response.setResponseHeaders(
        HeadersResponse.newBuilder()
            .setResponse(CommonResponse.newBuilder().setHeaderMutation(mutation)));
    send(response.build());
    if (responseEnded) {
      finish(false);
    }
  }

  private void onResponseBody(HttpBody body) {
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
          firstToken = processor.clock().instant();
        }
      }
      case JSON -> {
        if (firstToken == null && !chunk.isEmpty()) {
          firstToken = processor.clock().instant();
        }
        usage.feedJson(chunk.toByteArray(), last);
      }
      case ERROR ->
          answer.setResponse(CommonResponse.newBuilder().setBodyMutation(errorChunk(chunk, last)));
      case NONE -> {}
    }
    ProcessingResponse.Builder response = ProcessingResponse.newBuilder().setResponseBody(answer);
    if (last) {
      responseEnded = true;
      account();
      response.setDynamicMetadata(usageMetadata());
    }
    send(response.build());
    if (last) {
      finish(false);
    }
  }

  /** Holds back an error body and releases it whole, in OpenAI's shape, with its last chunk. */
  private BodyMutation errorChunk(ByteString chunk, boolean last) {
    int limit = processor.config().maxErrorBodyBytes();
    if (!errorTruncated) {
      if (errorLength + chunk.size() > limit) {
        errorTruncated = true;
      } else {
        if (errorLength + chunk.size() > errorBody.length) {
          errorBody =
              Arrays.copyOf(
                  errorBody,
                  Math.min(limit, Math.max(errorBody.length * 2, errorLength + chunk.size())));
        }
        chunk.copyTo(errorBody, errorLength);
        errorLength += chunk.size();
      }
    }
    if (!last) {
      return BodyMutation.newBuilder().setBody(ByteString.EMPTY).build();
    }
    byte[] normalized = OpenAiErrors.normalize(status, errorBody, errorLength, !errorTruncated);
    // The access log gets a short code, never the provider's message text.
    error = status == 429 ? "rate_limited" : "upstream_" + status;
    return BodyMutation.newBuilder()
        .setBody(
            normalized == null
                ? ByteString.copyFrom(errorBody, 0, errorLength)
                : ByteString.copyFrom(normalized))
        .build();
  }

  // ------------------------------------------------------------------------------ accounting

  /** Decides the usage to commit from what the response showed so far. */
  private void account() {
    if (target == null || status >= 400 || status < 100) {
      inputTokens = 0;
      cachedTokens = 0;
      outputTokens = 0;
      usageSource = "none";
    } else {
      ReportedUsage reported = usage == null ? null : usage.reported();
      boolean hasReport = reported != null && reported.present();
      inputTokens = hasReport && reported.input() >= 0 ? reported.input() : estimate;
      cachedTokens = hasReport ? reported.cached() : 0;
      long counted = usage == null ? 0 : usage.countedOutput();
      outputTokens = hasReport && reported.output() >= 0 ? reported.output() : counted;
      usageSource = hasReport ? "reported" : "estimated";
    }
    cost = null;
    currency = null;
    if (target != null) {
      GatewayModel.Price price =
          provider != null
              ? target.prices().get(provider)
              : target.prices().size() == 1 ? target.prices().values().iterator().next() : null;
      if (price != null) {
        BigDecimal cachedPrice =
            price.cachedInputPerMillion() != null
                ? price.cachedInputPerMillion()
                : price.inputPerMillion();
        cost =
            price
                .inputPerMillion()
                .multiply(BigDecimal.valueOf(inputTokens - cachedTokens))
                .add(cachedPrice.multiply(BigDecimal.valueOf(cachedTokens)))
                .add(price.outputPerMillion().multiply(BigDecimal.valueOf(outputTokens)))
                .divide(BigDecimal.valueOf(1_000_000), 10, RoundingMode.HALF_UP)
                .stripTrailingZeros();
        currency = price.currency();
      }
    }
  }

  private Struct usageMetadata() {
    Struct.Builder meta = Struct.newBuilder();
    put(meta, Wire.INPUT_TOKENS, Long.toString(inputTokens));
    put(meta, Wire.CACHED_INPUT_TOKENS, Long.toString(cachedTokens));
    put(meta, Wire.OUTPUT_TOKENS, Long.toString(outputTokens));
    put(meta, TOTAL_TOKENS, Long.toString(saturatingAdd(inputTokens, outputTokens)));
    if (provider != null) {
      put(meta, Wire.PROVIDER, provider);
    }
    if (cost != null) {
      put(meta, COST, cost.toPlainString());
      put(meta, CURRENCY, currency);
    }
    return wrap(meta);
  }

  // ------------------------------------------------------------------------------ the end

  private void reject(Rejection r) {
    status = r.status();
    error = r.code();
    HeaderMutation.Builder headers =
        HeaderMutation.newBuilder().addSetHeaders(set("content-type", "application/json"));
    if (requestId != null) {
      headers.addSetHeaders(set(Wire.REQUEST_ID_HEADER, requestId));
    }
    if (r.status() == 401) {
      headers.addSetHeaders(set("www-authenticate", "Bearer realm=\"tollgate\""));
    }
    send(
        ProcessingResponse.newBuilder()
            .setImmediateResponse(
                ImmediateResponse.newBuilder()
                    .setStatus(HttpStatus.newBuilder().setCodeValue(r.status()))
                    .setHeaders(headers)
                    .setBody(ByteString.copyFrom(r.body()))
                    .setDetails("tollgate_" + r.code()))
            .build());
    processor.metrics().rejected(r.code(), caller == null ? null : caller.namespace());
    finish(false);
  }

  private void answer(int code, byte[] body) {
    status = code;
    HeaderMutation.Builder headers =
        HeaderMutation.newBuilder().addSetHeaders(set("content-type", "application/json"));
    if (requestId != null) {
      headers.addSetHeaders(set(Wire.REQUEST_ID_HEADER, requestId));
    }
    send(
        ProcessingResponse.newBuilder()
            .setImmediateResponse(
                ImmediateResponse.newBuilder()
                    .setStatus(HttpStatus.newBuilder().setCodeValue(code))
                    .setHeaders(headers)
                    .setBody(ByteString.copyFrom(body))
                    .setDetails("tollgate_local"))
            .build());
    finish(false);
  }

  /** Records the request once: metrics for model requests, and the access-log line. */
  private void finish(boolean aborted) {
    if (finished || start == null) {
      finished = true;
      return;
    }
    finished = true;
    Instant end = processor.clock().instant();
    if (aborted && !responseEnded) {
      error = error == null ? "aborted" : error;
    }
    if (usage != null && usage.sawError() && error == null) {
      error = "stream_error";
    }
    String route = target == null ? null : target.route().namespace() + "/" + target.route().name();
    String namespace =
        target != null ? target.route().namespace() : caller == null ? null : caller.namespace();
    Outcome outcome =
        new Outcome(
            requestId,
            method,
            path.length() > MAX_LOGGED_PATH ? path.substring(0, MAX_LOGGED_PATH) : path,
            operation,
            status,
            caller == null ? null : caller.method(),
            namespace,
            client != null ? client : caller == null ? null : caller.clientId(),
            route,
            target == null ? null : target.requestedModel(),
            usage == null ? null : usage.responseModel(),
            provider,
            target == null || provider == null ? null : target.systems().get(provider),
            eventStream || streamRequested,
            estimate,
            reserve,
            inputTokens,
            cachedTokens,
            outputTokens,
            usageSource,
            cost,
            currency,
            Duration.between(start, end).toNanos(),
            firstToken == null ? -1 : Duration.between(start, firstToken).toNanos(),
            error,
            aborted && !responseEnded);
    try {
      if (target != null) {
        processor.metrics().record(outcome);
      }
      processor.accessLog().write(outcome, end);
    } catch (RuntimeException e) {
      LOG.warn("could not record request {}", requestId, e);
    }
  }

  // ------------------------------------------------------------------------------ helpers

  private HeaderMutation.Builder removals() {
    return HeaderMutation.newBuilder().addAllRemoveHeaders(removeHeaders);
  }

  private static String value(HeaderValue h) {
    return h.getRawValue().isEmpty() ? h.getValue() : h.getRawValue().toStringUtf8();
  }

  private static HeaderValueOption set(String key, String value) {
    return HeaderValueOption.newBuilder()
        .setHeader(HeaderValue.newBuilder().setKey(key).setRawValue(ByteString.copyFromUtf8(value)))
        .setAppendAction(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD)
        .build();
  }

  private static void put(Struct.Builder struct, String key, String value) {
    struct.putFields(key, Value.newBuilder().setStringValue(value).build());
  }

  private static Struct wrap(Struct.Builder fields) {
    return Struct.newBuilder()
        .putFields(Wire.METADATA_NAMESPACE, Value.newBuilder().setStructValue(fields).build())
        .build();
  }

  private static Struct metadata(String key, String value) {
    Struct.Builder fields = Struct.newBuilder();
    put(fields, key, value);
    return wrap(fields);
  }

  private static String pathOnly(String path) {
    int query = path.indexOf('?');
    return query < 0 ? path : path.substring(0, query);
  }

  private static long parseLength(String value) {
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static boolean isJson(String contentType) {
    String type = contentType.toLowerCase(java.util.Locale.ROOT);
    int semicolon = type.indexOf(';');
    String media = (semicolon < 0 ? type : type.substring(0, semicolon)).trim();
    return media.equals("application/json") || media.endsWith("+json");
  }

  private static boolean startsWithIgnoreCase(String s, String prefix) {
    return s.regionMatches(true, 0, prefix, 0, prefix.length());
  }

  private static long saturatingAdd(long a, long b) {
    long sum = a + b;
    return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
  }
}
