package dev.tollgate.roles;

import dev.tollgate.processor.ProcessorConfig;
import dev.tollgate.ratelimit.RateLimitSettings;
import picocli.CommandLine.Option;

/**
 * The largest reservation one request may make: one flag that the processor (which refuses larger
 * requests with 400) and the rate-limit service (which refuses larger descriptors as invalid input)
 * both read, so that the two cannot disagree.
 */
public final class TokenLimitOptions {
  @Option(
      names = "--max-tokens-per-request",
      defaultValue = "10000000",
      description =
          "Largest reservation (prompt estimate + output cap x choices) one request may make;"
              + " larger requests get 400 reservation_too_large. Give the processor and the"
              + " rate-limit service the same value. Default: ${DEFAULT-VALUE}.")
  long maxTokensPerRequest = ProcessorConfig.DEFAULT_MAX_TOKENS_PER_REQUEST;

  /** Returns the processor's configuration with this limit. */
  public ProcessorConfig processor(ProcessorConfig config) {
    return config.withMaxTokensPerRequest(maxTokensPerRequest);
  }

  /** Returns the rate-limit service's settings with this limit. */
  public RateLimitSettings rateLimit(RateLimitSettings settings) {
    return settings.withMaxTokensPerRequest(maxTokensPerRequest);
  }
}
