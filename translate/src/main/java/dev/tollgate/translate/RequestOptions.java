package dev.tollgate.translate;

import java.time.Clock;
import java.util.Objects;

/**
 * What the gateway decides for one attempt and the translation needs.
 *
 * @param upstreamModel the model the backend is asked for, written as the body's {@code model}
 * @param maxTokens the output cap written when the client set none; Anthropic requires one, so the
 *     caller passes the cap its reservation covers
 * @param clock gives {@code created} of translated OpenAI responses; a fixed clock makes output
 *     deterministic
 */
public record RequestOptions(String upstreamModel, long maxTokens, Clock clock) {
  /** Checks the options. */
  public RequestOptions {
    Objects.requireNonNull(upstreamModel, "upstreamModel");
    Objects.requireNonNull(clock, "clock");
    if (maxTokens < 1) {
      throw new IllegalArgumentException("maxTokens must be at least 1, was " + maxTokens);
    }
  }
}
