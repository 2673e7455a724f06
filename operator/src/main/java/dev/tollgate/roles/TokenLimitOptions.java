package dev.tollgate.roles;

import dev.tollgate.processor.ProcessorConfig;
import dev.tollgate.processor.ReserveSizing;
import dev.tollgate.ratelimit.RateLimitSettings;
import picocli.CommandLine.Option;

/**
 * The largest reservation one request may make: one flag that the processor (which refuses larger
 * requests with 400) and the rate-limit service (which refuses larger descriptors as invalid input)
 * both read, so that the two cannot disagree; and the sizing of the processor's output reserves.
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

  @Option(
      names = "--reserve-percentile",
      defaultValue = "0.99",
      description =
          "Without max_tokens, reserve this percentile of the model's recent completions (above 0,"
              + " at most 1; docs/governance.md). Processor only. Default: ${DEFAULT-VALUE}.")
  double reservePercentile = ReserveSizing.DEFAULTS.percentile();

  @Option(
      names = "--reserve-min-completions",
      defaultValue = "20",
      description =
          "Completions a model needs before they size its reserve; until then the output cap"
              + " written upstream is reserved. Processor only. Default: ${DEFAULT-VALUE}.")
  int reserveMinCompletions = ReserveSizing.DEFAULTS.minCompletions();

  @Option(
      names = "--reserve-window",
      defaultValue = "2000",
      description =
          "Completions the reserve's history holds before it halves its counts (it follows about"
              + " the last one to two windows). Processor only. Default: ${DEFAULT-VALUE}.")
  int reserveWindow = ReserveSizing.DEFAULTS.window();

  /** Returns the processor's configuration with this limit and the reserve's sizing. */
  public ProcessorConfig processor(ProcessorConfig config) {
    return config
        .withMaxTokensPerRequest(maxTokensPerRequest)
        .withReserveSizing(
            new ReserveSizing(reservePercentile, reserveMinCompletions, reserveWindow));
  }

  /** Returns the rate-limit service's settings with this limit. */
  public RateLimitSettings rateLimit(RateLimitSettings settings) {
    return settings.withMaxTokensPerRequest(maxTokensPerRequest);
  }
}
