package dev.tollgate.processor;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

/**
 * What differs between client APIs in how a request body is read: fields an API refuses, whether a
 * stream is asked to report usage through {@code stream_options}, whether {@code input} is a list
 * of conversation items, and which backends may serve it. {@link #DEFAULT} is Chat Completions',
 * legacy Completions' and embeddings' behaviour; {@link #MESSAGES} Anthropic's; {@link
 * ResponsesRules} is the Responses API's. Stateless and thread-safe.
 */
interface BodyRules {
  /** The rules of the APIs that need none of their own. */
  BodyRules DEFAULT = new BodyRules() {};

  /**
   * Anthropic's Messages API: its streams report usage unasked, and it refuses {@code
   * stream_options} (so does a translation to an OpenAI backend, which asks in its own way).
   */
  BodyRules MESSAGES =
      new BodyRules() {
        @Override
        public boolean asksStreamUsage() {
          return false;
        }
      };

  /** The rules of a request path without its query string. */
  static BodyRules forPath(String path) {
    if (ResponsesRules.PATH.equals(path)) {
      return ResponsesRules.INSTANCE;
    }
    return AnthropicApi.serves(path) ? MESSAGES : DEFAULT;
  }

  /**
   * Checks one top-level field before it is read; the parser is at its value's first token, which
   * this must not consume.
   *
   * @throws RequestBodyParser.InvalidBodyException when the API refuses the field or its value
   */
  default void checkField(JsonParser p, String name, JsonToken value)
      throws RequestBodyParser.InvalidBodyException {}

  /** Whether a stream gets {@code "stream_options":{"include_usage":true}} added. */
  default boolean asksStreamUsage() {
    return true;
  }

  /** Whether an array {@code input} is a list of conversation items, counted like messages. */
  default boolean inputIsItems() {
    return false;
  }

  /**
   * Checks that every backend of the routed rule serves this API.
   *
   * @throws Rejection.Exception when one does not
   */
  default void checkTarget(Policy.Target target) throws Rejection.Exception {}

  /**
   * The target as this API sends it: the same, unless some backend reads the model from another
   * name on this API's path (see {@link ResponsesRules}).
   */
  default Policy.Target forAttempts(Policy.Target target) {
    return target;
  }
}
