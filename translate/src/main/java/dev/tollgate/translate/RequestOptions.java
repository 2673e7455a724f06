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
 * @param openAiCapField the field a translated OpenAI Chat Completions request carries its output
 *     cap in: {@value #MAX_COMPLETION_TOKENS}, or {@value #MAX_TOKENS} for servers that read only
 *     that (OpenAI-compatible servers, older Azure api-versions); unused towards Anthropic
 */
public record RequestOptions(
    String upstreamModel, long maxTokens, Clock clock, String openAiCapField) {
  /** OpenAI's current output cap field. */
  public static final String MAX_COMPLETION_TOKENS = "max_completion_tokens";

  /** The output cap field every OpenAI-style server reads. */
  public static final String MAX_TOKENS = "max_tokens";

  /** Checks the options. */
  public RequestOptions {
    Objects.requireNonNull(upstreamModel, "upstreamModel");
    Objects.requireNonNull(clock, "clock");
    if (maxTokens < 1) {
      throw new IllegalArgumentException("maxTokens must be at least 1, was " + maxTokens);
    }
    if (!MAX_COMPLETION_TOKENS.equals(openAiCapField) && !MAX_TOKENS.equals(openAiCapField)) {
      throw new IllegalArgumentException(
          "openAiCapField must be max_completion_tokens or max_tokens");
    }
  }

  /** Options whose OpenAI cap goes in {@value #MAX_COMPLETION_TOKENS}. */
  public RequestOptions(String upstreamModel, long maxTokens, Clock clock) {
    this(upstreamModel, maxTokens, clock, MAX_COMPLETION_TOKENS);
  }
}
