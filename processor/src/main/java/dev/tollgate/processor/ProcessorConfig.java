package dev.tollgate.processor;

import java.time.Duration;

/**
 * Limits and defaults of the processor.
 *
 * @param maxRequestBodyBytes largest request body accepted; larger ones get 413. Envoy's own buffer
 *     limit (per_connection_buffer_limit_bytes, 1 MiB by default) must be at least as large, or
 *     Envoy answers 413 before the processor sees the body
 * @param defaultOutputTokens output tokens reserved when a request sets no max_tokens, before the
 *     bound by the model's context window
 * @param exactTokenizeChars prompt characters tokenized exactly; beyond them the count is
 *     extrapolated from the tokens per character of that prefix, so a huge prompt costs bounded CPU
 * @param maxErrorBodyBytes largest upstream error body read to rewrite into OpenAI's shape
 * @param maxSseEventBytes largest server-sent event parsed for usage; larger events pass unread
 * @param maxResponseModelLabels distinct response model names kept as metric labels before the rest
 *     are counted as {@code _other}
 * @param jwtClockSkew tolerance when checking a token's exp and nbf
 * @param jwksCacheTtl how long a fetched JSON Web Key Set is used before it is fetched again
 * @param jwksMinRefreshInterval least time between two fetches of one key set, also after a failure
 *     or an unknown key id
 * @param maxTokensPerRequest largest reservation (prompt estimate plus output cap times choices) a
 *     request may make; larger ones get 400 {@code reservation_too_large}. Keep it equal to the
 *     rate-limit service's {@code maxTokensPerRequest}, which refuses larger ones as invalid input
 *     (that Envoy lets through when it fails open); {@code tollgate run} sets both from one flag
 * @param reserveSizing how reserves of requests without an output cap follow recent completions
 */
public record ProcessorConfig(
    int maxRequestBodyBytes,
    int defaultOutputTokens,
    int exactTokenizeChars,
    int maxErrorBodyBytes,
    int maxSseEventBytes,
    int maxResponseModelLabels,
    Duration jwtClockSkew,
    Duration jwksCacheTtl,
    Duration jwksMinRefreshInterval,
    long maxTokensPerRequest,
    ReserveSizing reserveSizing) {

  /** The rate-limit service's default per-request limit, which this one must match. */
  public static final long DEFAULT_MAX_TOKENS_PER_REQUEST = 10_000_000;

  /** Validates the limits. */
  public ProcessorConfig {
    if (maxRequestBodyBytes < 1024) {
      throw new IllegalArgumentException("maxRequestBodyBytes must be at least 1024");
    }
    if (defaultOutputTokens < 0 || exactTokenizeChars < 1024 || maxErrorBodyBytes < 256) {
      throw new IllegalArgumentException("limits must be positive and not tiny");
    }
    if (reserveSizing == null) {
      throw new IllegalArgumentException("reserveSizing is required");
    }
    if (maxTokensPerRequest < 1) {
      throw new IllegalArgumentException("maxTokensPerRequest must be positive");
    }
    if (maxSseEventBytes < 1024 || maxResponseModelLabels < 1) {
      throw new IllegalArgumentException("limits must be positive and not tiny");
    }
  }

  /**
   * The defaults: 1 MiB bodies (Envoy's default buffer), 4,096 output tokens, 10,000,000 tokens per
   * request.
   */
  public static ProcessorConfig defaults() {
    return new ProcessorConfig(
        1024 * 1024,
        4096,
        200_000,
        64 * 1024,
        1024 * 1024,
        64,
        Duration.ofSeconds(60),
        Duration.ofMinutes(10),
        Duration.ofSeconds(30),
        DEFAULT_MAX_TOKENS_PER_REQUEST,
        ReserveSizing.DEFAULTS);
  }

  /** Returns this configuration with another request body limit. */
  public ProcessorConfig withMaxRequestBodyBytes(int bytes) {
    return new ProcessorConfig(
        bytes,
        defaultOutputTokens,
        exactTokenizeChars,
        maxErrorBodyBytes,
        maxSseEventBytes,
        maxResponseModelLabels,
        jwtClockSkew,
        jwksCacheTtl,
        jwksMinRefreshInterval,
        maxTokensPerRequest,
        reserveSizing);
  }

  /** Returns this configuration with another default output reservation. */
  public ProcessorConfig withDefaultOutputTokens(int tokens) {
    return new ProcessorConfig(
        maxRequestBodyBytes,
        tokens,
        exactTokenizeChars,
        maxErrorBodyBytes,
        maxSseEventBytes,
        maxResponseModelLabels,
        jwtClockSkew,
        jwksCacheTtl,
        jwksMinRefreshInterval,
        maxTokensPerRequest,
        reserveSizing);
  }

  /** Returns this configuration with another per-request reservation limit. */
  public ProcessorConfig withMaxTokensPerRequest(long tokens) {
    return new ProcessorConfig(
        maxRequestBodyBytes,
        defaultOutputTokens,
        exactTokenizeChars,
        maxErrorBodyBytes,
        maxSseEventBytes,
        maxResponseModelLabels,
        jwtClockSkew,
        jwksCacheTtl,
        jwksMinRefreshInterval,
        tokens,
        reserveSizing);
  }

  /** Returns this configuration with another sizing of output reserves. */
  public ProcessorConfig withReserveSizing(ReserveSizing sizing) {
    return new ProcessorConfig(
        maxRequestBodyBytes,
        defaultOutputTokens,
        exactTokenizeChars,
        maxErrorBodyBytes,
        maxSseEventBytes,
        maxResponseModelLabels,
        jwtClockSkew,
        jwksCacheTtl,
        jwksMinRefreshInterval,
        maxTokensPerRequest,
        sizing);
  }
}
