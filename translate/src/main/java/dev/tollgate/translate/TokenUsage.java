package dev.tollgate.translate;

/**
 * The tokens a backend reported, by type, in Anthropic's terms: {@code inputTokens} excludes the
 * cached and cache-written input, which are counted apart. OpenAI's {@code prompt_tokens} is the
 * sum of the three input counts; its {@code cached_tokens} is {@code cacheReadInputTokens}.
 *
 * @param inputTokens uncached input
 * @param outputTokens output, reasoning included
 * @param cacheReadInputTokens input read from the provider's prompt cache
 * @param cacheCreationInputTokens input written to the provider's prompt cache
 */
public record TokenUsage(
    long inputTokens, long outputTokens, long cacheReadInputTokens, long cacheCreationInputTokens) {
  /** No tokens reported. */
  public static final TokenUsage NONE = new TokenUsage(0, 0, 0, 0);

  /** All input, cached and cache-written included (OpenAI's {@code prompt_tokens}). */
  public long totalInputTokens() {
    return inputTokens + cacheReadInputTokens + cacheCreationInputTokens;
  }
}
