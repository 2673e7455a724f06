package dev.tollgate.translate;

/**
 * Translates client request bodies of one API for backends of another: one implementation per
 * (client API, backend API) pair. Pure and thread-safe.
 */
@FunctionalInterface
public interface RequestTranslator {
  /** OpenAI Chat Completions clients to Anthropic Messages backends. */
  RequestTranslator OPENAI_CHAT_TO_ANTHROPIC = OpenAiChatToAnthropic::translate;

  /** Anthropic Messages clients to OpenAI Chat Completions backends (OpenAI-shaped providers). */
  RequestTranslator ANTHROPIC_TO_OPENAI_CHAT = AnthropicToOpenAiChat::translate;

  /**
   * Translates a client request body for the backend.
   *
   * @param body the client's JSON request body
   * @param options the attempt's model and output cap
   * @return the translation, holding the backend's body and the way back
   * @throws UntranslatableRequest when the request cannot be expressed faithfully, or is not a
   *     request of the client's API at all (not JSON, wrong types); its body is the 400 to answer
   */
  Translation translate(byte[] body, RequestOptions options) throws UntranslatableRequest;
}
