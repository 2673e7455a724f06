package dev.tollgate.processor;

import static dev.tollgate.processor.ExtProcMessages.set;

import com.google.protobuf.ByteString;
import dev.tollgate.model.Wire;
import dev.tollgate.translate.RequestOptions;
import dev.tollgate.translate.RequestTranslator;
import dev.tollgate.translate.StreamTranslator;
import dev.tollgate.translate.Translation;
import dev.tollgate.translate.UntranslatableRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.BodyMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import java.time.Clock;
import java.util.Arrays;

/**
 * A call whose rule's backends all speak another API than the client: an OpenAI Chat Completions
 * request to a rule of Anthropic providers, or an Anthropic Messages request to a rule of
 * OpenAI-style providers. The request body (after the processor's own edits: the output cap and the
 * upstream model) is translated once with the {@code translate} module and sent on Anthropic's
 * path; when the rule's backends name different models, the model span the upstream model filter
 * writes each attempt's model at is marked on the translated body. The answer is translated back, a
 * JSON answer whole at its end, a stream chunk by chunk. Usage is still read from the backend's own
 * bytes. One per request; not thread-safe.
 */
final class TranslatedCall {
  /** The largest JSON answer held to translate whole. */
  static final int MAX_JSON_BYTES = 8 * 1024 * 1024;

  private final Translation translation;
  private StreamTranslator stream;
  private byte[] held = new byte[0];
  private int length;
  private boolean overflow;

  private TranslatedCall(Translation translation) {
    this.translation = translation;
  }

  /** Whether a call on this path to this rule is translated. */
  static boolean needed(String path, Policy.Target target) {
    return (path.equals("/v1/chat/completions") && target.api() == Policy.BackendApi.ANTHROPIC)
        || (path.equals(AnthropicApi.MESSAGES) && target.api() == Policy.BackendApi.OPENAI);
  }

  /**
   * Translates the request: the body answer of {@link RequestMutations#body} gets the backend's
   * body, its length and its path.
   *
   * @throws Rejection.Exception 400 naming the field when the request cannot be translated
   *     faithfully
   */
  static TranslatedCall translate(
      ProcessingResponse.Builder answer, byte[] clientBody, ModelRequest request, Clock clock)
      throws Rejection.Exception {
    var common = answer.getRequestBodyBuilder().getResponseBuilder();
    byte[] edited =
        common.hasBodyMutation() ? common.getBodyMutation().getBody().toByteArray() : clientBody;
    Policy.Target target = request.target();
    String model =
        target.upstreamModelRewrite() != null
            ? target.upstreamModelRewrite()
            : target.requestedModel();
    boolean toOpenAi = target.api() == Policy.BackendApi.OPENAI;
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
    byte[] body = translation.body();
    common.setBodyMutation(BodyMutation.newBuilder().setBody(ByteString.copyFrom(body)));
    var headers = common.getHeaderMutationBuilder();
    for (int i = headers.getSetHeadersCount() - 1; i >= 0; i--) {
      String key = headers.getSetHeaders(i).getHeader().getKey();
      if (key.equals("content-length") || key.equals(Wire.MODEL_SPAN_HEADER)) {
        headers.removeSetHeaders(i);
      }
    }
    headers.addSetHeaders(set("content-length", Integer.toString(body.length)));
    if (target.modelPerAttempt()) {
      // The span the client body's parse marked is gone with its bytes: mark the body sent.
      headers.addSetHeaders(set(Wire.MODEL_SPAN_HEADER, ModelSpan.of(body)));
    }
    headers.addSetHeaders(set(":path", translation.upstreamPath()));
    return new TranslatedCall(translation);
  }

  /** The client's bytes for a chunk of a 2xx answer. */
  BodyMutation chunk(ByteString chunk, boolean last, boolean eventStream, int status) {
    byte[] bytes = chunk.toByteArray();
    if (eventStream) {
      if (stream == null) {
        stream = translation.stream();
      }
      return mutation(stream.next(bytes, last));
    }
    if (!overflow) {
      if (length + bytes.length > MAX_JSON_BYTES) {
        overflow = true;
      } else {
        if (length + bytes.length > held.length) {
          held = Arrays.copyOf(held, Math.max(held.length * 2, length + bytes.length));
        }
        System.arraycopy(bytes, 0, held, length, bytes.length);
        length += bytes.length;
      }
    }
    if (!last) {
      return mutation(new byte[0]);
    }
    if (overflow) {
      return mutation(
          OpenAiErrors.body(
              "The model provider's answer is larger than the gateway translates.",
              "server_error",
              "untranslatable_response",
              null));
    }
    return mutation(translation.response(status, Arrays.copyOf(held, length)).body());
  }

  private static BodyMutation mutation(byte[] bytes) {
    return BodyMutation.newBuilder().setBody(ByteString.copyFrom(bytes)).build();
  }
}
