package dev.tollgate.processor;

import static dev.tollgate.processor.ExtProcMessages.set;

import com.google.protobuf.ByteString;
import dev.tollgate.model.Wire;
import dev.tollgate.translate.RequestOptions;
import dev.tollgate.translate.RequestTranslator;
import dev.tollgate.translate.StreamTranslator;
import dev.tollgate.translate.TranslatedResponse;
import dev.tollgate.translate.Translation;
import dev.tollgate.translate.UntranslatableRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.BodyMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import java.time.Clock;
import java.util.Arrays;
import java.util.Optional;

/**
 * A call some or all of whose attempts go to backends of another API than the client's.
 *
 * <p>When the rule's backends all speak the other API (an OpenAI Chat Completions request to a rule
 * of Anthropic providers, or an Anthropic Messages request to a rule of OpenAI-style providers),
 * the request body (after the processor's own edits: the output cap and the upstream model) is
 * translated once with the {@code translate} module and sent on the backend's path; when the rule's
 * backends name different models, the model span the upstream model filter writes each attempt's
 * model at is marked on the translated body.
 *
 * <p>When the rule mixes both APIs ({@link Policy.BackendApi#MIXED}), the client's body is sent as
 * it is, with the metadata {@link Wire#CLIENT_API}; the translating clusters run {@link
 * AttemptTranslator} for attempts whose backend speaks the other API. The request is still
 * translated here once, so that what cannot be translated is refused before any attempt, and the
 * way back is ready: it applies only when the provider that answered speaks the other API.
 *
 * <p>The answer is translated back: a JSON answer or an error whole at its end (a 2xx body that is
 * not a message becomes a 502 in the client's shape), a stream chunk by chunk. Usage is still read
 * from the backend's own bytes. One per request; not thread-safe.
 */
final class TranslatedCall {
  /** The largest JSON answer held to translate whole. */
  static final int MAX_JSON_BYTES = 8 * 1024 * 1024;

  private final Translation translation;
  private final Policy.BackendApi backendApi;
  private final boolean perAttempt;
  private StreamTranslator stream;
  private byte[] held = new byte[0];
  private int length;
  private boolean overflow;

  private TranslatedCall(
      Translation translation, Policy.BackendApi backendApi, boolean perAttempt) {
    this.translation = translation;
    this.backendApi = backendApi;
    this.perAttempt = perAttempt;
  }

  /** Whether a call on this path to this rule is translated, for every attempt or for some. */
  static boolean needed(String path, Policy.Target target) {
    boolean chat = path.equals(CHAT);
    boolean messages = path.equals(AnthropicApi.MESSAGES);
    return (chat && target.api() == Policy.BackendApi.ANTHROPIC)
        || (messages && target.api() == Policy.BackendApi.OPENAI)
        || ((chat || messages) && target.api() == Policy.BackendApi.MIXED);
  }

  private static final String CHAT = "/v1/chat/completions";

  /**
   * Whether the answer of a provider of this API is translated back: always when every attempt is
   * translated, else only when it speaks the other API than the client.
   */
  boolean appliesTo(Policy.BackendApi servedBy) {
    return !perAttempt || servedBy == backendApi;
  }

  /** Whether the client speaks Anthropic's API (so the gateway's own errors take its shape). */
  private boolean anthropicClient() {
    return backendApi == Policy.BackendApi.OPENAI;
  }

  /**
   * Translates the request: the body answer of {@link RequestMutations#body} gets the backend's
   * body, its length and its path.
   *
   * @throws Rejection.Exception 400 naming the field when the request cannot be translated
   *     faithfully
   */
  static TranslatedCall translate(
      ProcessingResponse.Builder answer,
      byte[] clientBody,
      ModelRequest request,
      String path,
      Clock clock)
      throws Rejection.Exception {
    var common = answer.getRequestBodyBuilder().getResponseBuilder();
    byte[] edited =
        common.hasBodyMutation() ? common.getBodyMutation().getBody().toByteArray() : clientBody;
    Policy.Target target = request.target();
    boolean perAttempt = target.api() == Policy.BackendApi.MIXED;
    boolean chatClient = !AnthropicApi.serves(path);
    String model =
        target.upstreamModelRewrite() != null
            ? target.upstreamModelRewrite()
            : target.requestedModel();
    boolean toOpenAi = perAttempt ? !chatClient : target.api() == Policy.BackendApi.OPENAI;
    Translation translation;
    try {
      translation =
          (toOpenAi
                  ? RequestTranslator.ANTHROPIC_TO_OPENAI_CHAT
                  : RequestTranslator.OPENAI_CHAT_TO_ANTHROPIC)
              .translate(
                  edited,
                  new RequestOptions(
                      model,
                      Math.max(1, request.outputCap()),
                      clock,
                      // The field every OpenAI-style server reads, as OutputCap writes it for such
                      // rules, unless every provider of the rule reads the newer one.
                      target.readsMaxCompletionTokens()
                          ? RequestOptions.MAX_COMPLETION_TOKENS
                          : RequestOptions.MAX_TOKENS));
    } catch (UntranslatableRequest e) {
      throw new Rejection.Exception(
          new Rejection(
              400, "invalid_request_error", "untranslatable_request", e.getMessage(), e.field()));
    }
    Policy.BackendApi backendApi =
        toOpenAi ? Policy.BackendApi.OPENAI : Policy.BackendApi.ANTHROPIC;
    if (perAttempt) {
      // The client's body goes as it is; the translating clusters translate the attempts that
      // need it (AttemptTranslator), reading the client's API from the metadata.
      ExtProcMessages.putMetadata(
          answer, Wire.CLIENT_API, toOpenAi ? Wire.API_ANTHROPIC : Wire.API_OPENAI);
      return new TranslatedCall(translation, backendApi, true);
    }
    byte[] body = translation.body();
    common.setBodyMutation(BodyMutation.newBuilder().setBody(ByteString.copyFrom(body)));
    var headers = common.getHeaderMutationBuilder();
    for (int i = headers.getSetHeadersCount() - 1; i >= 0; i--) {
      if (headers.getSetHeaders(i).getHeader().getKey().equals("content-length")) {
        headers.removeSetHeaders(i);
      }
    }
    headers.addSetHeaders(set("content-length", Integer.toString(body.length)));
    if (target.modelPerAttempt()) {
      // The span the client body's parse marked is gone with its bytes: mark the body sent.
      ExtProcMessages.putMetadata(answer, Wire.MODEL_SPAN, ModelSpan.of(body));
    }
    headers.addSetHeaders(set(":path", translation.upstreamPath()));
    return new TranslatedCall(translation, backendApi, false);
  }

  /** The client's bytes for a chunk of a 2xx event stream. */
  BodyMutation streamChunk(ByteString chunk, boolean last) {
    if (stream == null) {
      stream = translation.stream();
    }
    return mutation(stream.next(chunk.toByteArray(), last));
  }

  /**
   * Holds a chunk of a whole answer (JSON, or an error of any status): null until the last chunk,
   * then the client's status and body.
   */
  TranslatedResponse whole(ByteString chunk, boolean last, int status) {
    if (!overflow) {
      if (length + chunk.size() > MAX_JSON_BYTES) {
        overflow = true;
      } else {
        if (length + chunk.size() > held.length) {
          held = Arrays.copyOf(held, Math.max(held.length * 2, length + chunk.size()));
        }
        chunk.copyTo(held, length);
        length += chunk.size();
      }
    }
    if (!last) {
      return null;
    }
    if (overflow) {
      return badGateway("The model provider's answer is larger than the gateway translates.");
    }
    if (translation.streaming() && status >= 200 && status <= 299) {
      return badGateway(
          "The model provider answered a streaming request with a body that is not an event"
              + " stream.");
    }
    return translation.response(status, Arrays.copyOf(held, length));
  }

  /**
   * Whether a 2xx answer with these headers is held whole ({@link #whole}) rather than translated
   * as a stream: everything but the identity-encoded event stream a streaming request asked for. A
   * non-stream answer to a stream, or a body that is neither JSON nor events, so becomes a 502 in
   * the client's shape before its status leaves.
   */
  boolean holdsWhole(String contentType, String encoding) {
    boolean identity = encoding == null || encoding.equalsIgnoreCase("identity");
    return !(translation.streaming()
        && identity
        && contentType != null
        && ExtProcMessages.isEventStream(contentType));
  }

  private TranslatedResponse badGateway(String message) {
    return new TranslatedResponse(
        502,
        anthropicClient()
            ? AnthropicErrors.body(AnthropicErrors.typeForStatus(502), message)
            : OpenAiErrors.body(message, "server_error", "untranslatable_response", null),
        Optional.empty());
  }

  /** The body mutation of a whole answer's last chunk, or of an empty one before it. */
  static BodyMutation mutationOf(TranslatedResponse response) {
    return mutation(response == null ? new byte[0] : response.body());
  }

  private static BodyMutation mutation(byte[] bytes) {
    return BodyMutation.newBuilder().setBody(ByteString.copyFrom(bytes)).build();
  }
}
