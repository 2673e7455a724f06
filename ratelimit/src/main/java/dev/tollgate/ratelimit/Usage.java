package dev.tollgate.ratelimit;

/**
 * What a finished request actually used, as Envoy reports it at stream done.
 *
 * @param inputTokens prompt tokens, cached ones included (OpenAI's {@code prompt_tokens})
 * @param cachedInputTokens the part of {@code inputTokens} served from the provider's cache
 * @param cacheWriteInputTokens the part of {@code inputTokens} written to the provider's cache
 *     (Anthropic's {@code cache_creation_input_tokens}), priced at its own price
 * @param outputTokens completion tokens
 * @param provider the provider that served, as namespace/name, or null when unknown
 */
public record Usage(
    long inputTokens,
    long cachedInputTokens,
    long cacheWriteInputTokens,
    long outputTokens,
    String provider) {

  /**
   * Clamps the cached and cache-written parts to the input, so a provider that reports them
   * separately over-counts.
   */
  public Usage {
    cachedInputTokens = Math.min(cachedInputTokens, inputTokens);
    cacheWriteInputTokens = Math.min(cacheWriteInputTokens, inputTokens - cachedInputTokens);
  }

  /** Usage without cache writes (every provider but Anthropic). */
  public Usage(long inputTokens, long cachedInputTokens, long outputTokens, String provider) {
    this(inputTokens, cachedInputTokens, 0, outputTokens, provider);
  }

  /**
   * Returns the usage as the budget store keeps it with a commit's marker: {@code
   * input,cached,cacheWrite,output,provider} ({@code -} for no provider), without spaces.
   */
  public String settlement() {
    return inputTokens
        + ","
        + cachedInputTokens
        + ","
        + cacheWriteInputTokens
        + ","
        + outputTokens
        + ","
        + (provider == null ? "-" : provider);
  }

  /**
   * Reads a {@link #settlement()}; null when the text is not one (a marker written before
   * settlements were kept).
   */
  public static Usage ofSettlement(String text) {
    String[] parts = text.split(",", -1);
    if (parts.length != 5) {
      return null;
    }
    try {
      return new Usage(
          Long.parseLong(parts[0]),
          Long.parseLong(parts[1]),
          Long.parseLong(parts[2]),
          Long.parseLong(parts[3]),
          parts[4].equals("-") ? null : parts[4]);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** Returns whether the request used nothing at all, as a request rejected before upstream. */
  public boolean isZero() {
    return inputTokens == 0 && outputTokens == 0;
  }
}
