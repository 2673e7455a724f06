package dev.tollgate.processor;

import java.util.ArrayList;
import java.util.List;

/**
 * The output cap of a model request: the tokens each completion may generate, which the reservation
 * counts and which is written into the body in the field the target API reads, so that the provider
 * cannot generate more than was reserved. A pure function of the path, the body, the target and the
 * estimate.
 *
 * <p>Fields by API: Chat Completions reads {@code max_completion_tokens} at OpenAI and at Azure
 * OpenAI from api-version 2024-09-01 on (where {@code max_tokens} is deprecated but still read),
 * and {@code max_tokens} at OpenAI-compatible servers and older Azure api-versions, which may not
 * know the newer field; legacy Completions and Anthropic Messages read {@code max_tokens}; the
 * Responses API reads {@code max_output_tokens}; embeddings generate nothing.
 */
final class OutputCap {
  /** The cap written when the client set none and the rule's providers all read the newer field. */
  static final String MAX_COMPLETION_TOKENS = "max_completion_tokens";

  static final String MAX_TOKENS = "max_tokens";

  static final String MAX_OUTPUT_TOKENS = "max_output_tokens";

  /**
   * What a request may generate and how the body says so.
   *
   * @param perChoice the tokens one completion may generate; 0 for requests that generate nothing
   * @param edits the body edits that write it
   * @param defaulted whether the client set no cap and the gateway's default is written into the
   *     body, which bounds what the provider generates (false on paths whose body is not edited)
   */
  record Decision(long perChoice, List<BodyEdits.Edit> edits, boolean defaulted) {
    static final Decision NONE = new Decision(0, List.of(), false);
  }

  /**
   * The fields an API reads as its output cap, the one written when none is present, and whether 0
   * is a meaningful value.
   */
  private record Api(List<String> reads, String writes, boolean zeroAllowed) {}

  private static final Api CHAT_NEW =
      new Api(List.of(MAX_COMPLETION_TOKENS, MAX_TOKENS), MAX_COMPLETION_TOKENS, false);
  private static final Api CHAT_COMPATIBLE = new Api(List.of(MAX_TOKENS), MAX_TOKENS, false);
  // max_tokens 0 with echo returns the prompt's log probabilities and generates nothing.
  private static final Api COMPLETIONS = new Api(List.of(MAX_TOKENS), MAX_TOKENS, true);
  private static final Api MESSAGES = new Api(List.of(MAX_TOKENS), MAX_TOKENS, false);
  private static final Api RESPONSES =
      new Api(List.of(MAX_OUTPUT_TOKENS), MAX_OUTPUT_TOKENS, false);

  private OutputCap() {}

  /**
   * Decides the cap of a routed request.
   *
   * @param path the request path without its query
   * @param defaultOutputTokens the cap of a request that sets none
   * @throws Rejection.Exception when the cap asked for is 0 where nothing would be generated, or
   *     larger than the model's context window
   */
  static Decision of(
      String path, RequestBody body, Policy.Target target, long estimate, long defaultOutputTokens)
      throws Rejection.Exception {
    Api api = api(path, target);
    if (api == null) {
      return path.equals("/v1/embeddings") ? Decision.NONE : unknownApi(body, defaultOutputTokens);
    }
    long asked = body.maxOutputTokens();
    String askedField = askedField(body);
    if (asked == 0 && !api.zeroAllowed()) {
      throw invalid(askedField, "Invalid '" + askedField + "': it must be at least 1.");
    }
    Long window = target.contextWindow();
    if (window != null && asked > window) {
      throw invalid(
          askedField,
          "Invalid '"
              + askedField
              + "': "
              + asked
              + " is more than the context window of "
              + target.requestedModel()
              + " ("
              + window
              + " tokens, prompt included); ask for fewer tokens.");
    }
    long cap = asked >= 0 ? asked : defaultOutputTokens;
    if (window != null) {
      // The prompt estimate is approximate; at least one token is left so that the provider,
      // not the gateway, decides whether a prompt near the window fits.
      cap = Math.min(cap, Math.max(asked == 0 ? 0 : 1, window - estimate));
    }
    return new Decision(cap, edits(body, api, cap), asked < 0);
  }

  /** Paths other APIs may use (the route decides): reserved, but nothing is written. */
  private static Decision unknownApi(RequestBody body, long defaultOutputTokens) {
    long asked = body.maxOutputTokens();
    return new Decision(asked >= 0 ? asked : defaultOutputTokens, List.of(), false);
  }

  private static Api api(String path, Policy.Target target) {
    return switch (path) {
      case "/v1/chat/completions" -> target.readsMaxCompletionTokens() ? CHAT_NEW : CHAT_COMPATIBLE;
      case "/v1/completions" -> COMPLETIONS;
      case "/v1/messages" -> MESSAGES;
      case "/v1/responses" -> RESPONSES;
      default -> null;
    };
  }

  /**
   * The edits after which every cap field the body has is at most {@code cap}, and one the API
   * reads is present: values above it are lowered, a null in a field the API reads is replaced, and
   * when the API reads none of the fields present its own is added.
   */
  private static List<BodyEdits.Edit> edits(RequestBody body, Api api, long cap) {
    List<BodyEdits.Edit> edits = new ArrayList<>(1);
    String value = Long.toString(cap);
    boolean read = false;
    for (RequestBody.Cap field : body.caps()) {
      boolean reads = api.reads().contains(field.field());
      if (field.value() > cap || (field.value() < 0 && reads)) {
        edits.add(BodyEdits.Edit.of(field.start(), field.end(), value));
        read |= reads;
      } else if (field.value() >= 0 && reads) {
        read = true;
      }
    }
    if (!read) {
      int at = body.rootStart() + 1;
      edits.add(BodyEdits.Edit.of(at, at, Json.quote(api.writes()) + ":" + value + ","));
    }
    return edits;
  }

  private static String askedField(RequestBody body) {
    for (RequestBody.Cap cap : body.caps()) {
      if (cap.value() >= 0) {
        return cap.field();
      }
    }
    return MAX_TOKENS;
  }

  private static Rejection.Exception invalid(String param, String message) {
    return new Rejection.Exception(
        new Rejection(400, "invalid_request_error", "invalid_value", message, param));
  }
}
