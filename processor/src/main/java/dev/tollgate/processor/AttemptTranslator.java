package dev.tollgate.processor;

import static dev.tollgate.processor.ExtProcMessages.set;
import static dev.tollgate.processor.ExtProcMessages.value;

import com.google.protobuf.ByteString;
import dev.tollgate.model.Wire;
import dev.tollgate.translate.RequestOptions;
import dev.tollgate.translate.RequestTranslator;
import dev.tollgate.translate.Translation;
import dev.tollgate.translate.UntranslatableRequest;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.service.ext_proc.v3.BodyMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.BodyResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.CommonResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.HeaderMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.HeadersResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One upstream attempt of a call to a rule whose backends speak both APIs, when this attempt's
 * backend speaks the other one: Envoy's upstream ext_proc filter on the translating clusters sends
 * the attempt's request headers and buffered body here (and nothing of the response). The body,
 * which already carries the processor's edits (output cap) and this attempt's upstream model, is
 * translated with the {@code translate} module; the path's API suffix is swapped ({@code
 * /chat/completions} and {@code /messages}), which keeps the provider's base path, Azure's
 * deployment and query. The cluster's header edits have already set the attempt's {@code
 * anthropic-version} and key; an attempt translated to OpenAI loses the Anthropic headers.
 *
 * <p>The response is translated back by the client's own {@link Exchange}, which reads the
 * backend's bytes for usage first, so metering sees exactly what the provider reported. Nothing
 * here is authenticated or charged: the client's exchange did both before Envoy chose the attempt.
 * One per attempt; Envoy sends one message at a time.
 */
final class AttemptTranslator implements StreamObserver<ProcessingRequest> {
  private static final Logger LOG = LoggerFactory.getLogger(AttemptTranslator.class);
  private static final int INLINE_BODY_BYTES = 32 * 1024;
  private static final String CHAT = "/chat/completions";
  private static final String MESSAGES = "/messages";

  private final Processor processor;
  private final StreamObserver<ProcessingResponse> out;
  private String translation;
  private String path;
  private String upstreamModel;
  private ByteString partial = ByteString.EMPTY;

  AttemptTranslator(Processor processor, StreamObserver<ProcessingResponse> out) {
    this.processor = processor;
    this.out = out;
  }

  @Override
  public synchronized void onNext(ProcessingRequest message) {
    switch (message.getRequestCase()) {
      case REQUEST_HEADERS -> {
        onHeaders(message.getRequestHeaders());
        send(
            ProcessingResponse.newBuilder()
                .setRequestHeaders(HeadersResponse.getDefaultInstance())
                .build());
      }
      case REQUEST_BODY -> {
        HttpBody body = message.getRequestBody();
        if (body.getBody().size() > INLINE_BODY_BYTES) {
          processor.worker().execute(() -> onBodyLater(body));
        } else {
          onBody(body);
        }
      }
      default -> send(passThrough(message));
    }
  }

  private synchronized void onBodyLater(HttpBody body) {
    onBody(body);
  }

  private void onHeaders(HttpHeaders headers) {
    boolean credentials = false;
    for (HeaderValue h : headers.getHeaders().getHeadersList()) {
      switch (h.getKey()) {
        case Wire.TRANSLATION_HEADER -> translation = value(h);
        case ":path" -> path = value(h);
        case Wire.UPSTREAM_MODEL_HEADER -> upstreamModel = value(h);
        default -> credentials |= AttemptMetrics.isCredential(h.getKey());
      }
    }
    // Envoy's forward_rules withhold keys from this filter; counted so a test can prove it.
    processor.attempts().received(credentials);
  }

  private void onBody(HttpBody body) {
    if (!body.getEndOfStream()) {
      // Only with a processing mode other than BUFFERED.
      partial = partial.concat(body.getBody());
      send(
          ProcessingResponse.newBuilder()
              .setRequestBody(BodyResponse.getDefaultInstance())
              .build());
      return;
    }
    byte[] bytes = partial.concat(body.getBody()).toByteArray();
    partial = ByteString.EMPTY;
    try {
      send(translate(bytes));
    } catch (RuntimeException e) {
      LOG.warn("attempt translation failed", e);
      send(failed("The gateway could not translate the request for this provider."));
    }
  }

  private ProcessingResponse translate(byte[] body) {
    boolean toAnthropic = translation != null && translation.startsWith(Wire.OPENAI_TO_ANTHROPIC);
    boolean toOpenAi = translation != null && translation.startsWith(Wire.ANTHROPIC_TO_OPENAI);
    String swappedPath = path == null ? null : swapSuffix(path, toAnthropic);
    if ((!toAnthropic && !toOpenAi) || swappedPath == null || upstreamModel == null) {
      return failed("The gateway could not choose this provider's API.");
    }
    Translation translated;
    try {
      translated =
          (toAnthropic
                  ? RequestTranslator.OPENAI_CHAT_TO_ANTHROPIC
                  : RequestTranslator.ANTHROPIC_TO_OPENAI_CHAT)
              .translate(
                  body,
                  new RequestOptions(
                      upstreamModel,
                      Math.max(1, processor.config().defaultOutputTokens()),
                      processor.clock(),
                      // A mixed rule's output cap is in max_tokens (Policy), as every
                      // OpenAI-style server reads it.
                      RequestOptions.MAX_TOKENS));
    } catch (UntranslatableRequest e) {
      // The client's exchange translated the same body before sending it; only a provider's
      // model name differs here, so this is not expected.
      return ExtProcMessages.immediate(
          400, null, false, null, e.errorBody(), "tollgate_untranslatable_request");
    }
    byte[] out = translated.body();
    HeaderMutation.Builder headers =
        HeaderMutation.newBuilder()
            .addSetHeaders(set(":path", swappedPath))
            .addSetHeaders(set("content-length", Integer.toString(out.length)))
            .addRemoveHeaders(Wire.TRANSLATION_HEADER);
    if (toOpenAi) {
      // A mixed fallback cluster gives every attempt of a Messages client the client's Anthropic
      // headers (AnthropicHeaders in envoy-xds); they reach Anthropic providers only.
      headers
          .addRemoveHeaders(AnthropicApi.VERSION_HEADER)
          .addRemoveHeaders(AnthropicApi.BETA_HEADER);
    }
    return ProcessingResponse.newBuilder()
        .setRequestBody(
            BodyResponse.newBuilder()
                .setResponse(
                    CommonResponse.newBuilder()
                        .setHeaderMutation(headers)
                        .setBodyMutation(
                            BodyMutation.newBuilder().setBody(ByteString.copyFrom(out)))))
        .build();
  }

  /**
   * The attempt's path with the client API's call swapped for the backend's, behind whatever base
   * path, deployment and query the provider's path filter gave it; null when it is neither.
   */
  static String swapSuffix(String path, boolean toAnthropic) {
    int query = path.indexOf('?');
    String base = query < 0 ? path : path.substring(0, query);
    String rest = query < 0 ? "" : path.substring(query);
    String from = toAnthropic ? CHAT : MESSAGES;
    String to = toAnthropic ? MESSAGES : CHAT;
    if (!base.endsWith(from)) {
      return null;
    }
    return base.substring(0, base.length() - from.length()) + to + rest;
  }

  private ProcessingResponse failed(String message) {
    boolean anthropicClient = translation != null && translation.startsWith(Wire.API_ANTHROPIC);
    byte[] body =
        anthropicClient
            ? AnthropicErrors.body(AnthropicErrors.typeForStatus(500), message)
            : OpenAiErrors.body(message, "server_error", "attempt_translation_failed", null);
    return ExtProcMessages.immediate(500, null, false, null, body, "tollgate_attempt_translation");
  }

  private static ProcessingResponse passThrough(ProcessingRequest message) {
    ProcessingResponse.Builder r = ProcessingResponse.newBuilder();
    switch (message.getRequestCase()) {
      case RESPONSE_HEADERS -> r.setResponseHeaders(HeadersResponse.getDefaultInstance());
      case RESPONSE_BODY -> r.setResponseBody(BodyResponse.getDefaultInstance());
      default -> r.setRequestBody(BodyResponse.getDefaultInstance());
    }
    return r.build();
  }

  private void send(ProcessingResponse answer) {
    try {
      out.onNext(answer);
    } catch (RuntimeException e) {
      LOG.debug("could not answer Envoy for an attempt: {}", e.toString());
    }
  }

  @Override
  public void onError(Throwable t) {}

  @Override
  public void onCompleted() {
    try {
      out.onCompleted();
    } catch (RuntimeException e) {
      // Already closed by a cancellation.
    }
  }
}
