package dev.tollgate.ratelimit;

/**
 * What a finished request actually used, as Envoy reports it at stream done.
 *
 * @param inputTokens prompt tokens, cached ones included (OpenAI's {@code prompt_tokens})
 * @param cachedInputTokens the part of {@code inputTokens} served from the provider's cache
 * @param outputTokens completion tokens
 * @param provider the provider that served, as namespace/name, or null when unknown
 */
public record Usage(long inputTokens, long cachedInputTokens, long outputTokens, String provider) {

  /** Clamps the cached part to the input, so a provider that reports it separately over-counts. */
  public Usage {
    cachedInputTokens = Math.min(cachedInputTokens, inputTokens);
  }

  /** Returns whether the request used nothing at all, as a request rejected before upstream. */
  public boolean isZero() {
    return inputTokens == 0 && outputTokens == 0;
  }
}
