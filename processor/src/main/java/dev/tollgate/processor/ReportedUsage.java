package dev.tollgate.processor;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * Token usage as a provider reports it, merged from however many usage objects a response carries
 * (Anthropic streams report input in {@code message_start} and the running output total in each
 * {@code message_delta}): a later value of a field replaces an earlier one.
 *
 * <p>Understands OpenAI's fields ({@code prompt_tokens}, {@code completion_tokens}, {@code
 * prompt_tokens_details.cached_tokens}), the Responses API's ({@code input_tokens}, {@code
 * output_tokens}, {@code input_tokens_details.cached_tokens}) and Anthropic's ({@code input_tokens}
 * without the cache, {@code cache_read_input_tokens}, {@code cache_creation_input_tokens}). Not
 * thread-safe.
 */
final class ReportedUsage {
  /** More tokens than any single request uses; larger values are treated as absent. */
  private static final long MAX_TOKENS = 1_000_000_000_000L;

  private long promptTokens = -1;
  private long inputTokens = -1;
  private long cacheRead = -1;
  private long cacheCreation = -1;
  private long cachedTokens = -1;
  private long outputTokens = -1;

  /** Whether any input or output count was reported. */
  boolean present() {
    return promptTokens >= 0 || inputTokens >= 0 || outputTokens >= 0;
  }

  /** Input tokens, cached ones included, or -1 when not reported. */
  long input() {
    if (promptTokens >= 0) {
      return promptTokens;
    }
    if (inputTokens < 0 && cacheRead < 0 && cacheCreation < 0) {
      return -1;
    }
    return Math.max(0, inputTokens) + Math.max(0, cacheRead) + Math.max(0, cacheCreation);
  }

  /** Input tokens written to the cache (Anthropic's), 0 when not reported. */
  long cacheWrite() {
    long input = input();
    long write = Math.max(0, cacheCreation);
    return input >= 0 ? Math.min(write, Math.max(0, input - cached())) : write;
  }

  /** Cached input tokens, 0 when not reported. */
  long cached() {
    long cached = cachedTokens >= 0 ? cachedTokens : Math.max(0, cacheRead);
    long input = input();
    return input >= 0 ? Math.min(cached, input) : cached;
  }

  /** Output tokens, or -1 when not reported. */
  long output() {
    return outputTokens;
  }

  /** Reads a usage object; the parser is at its START_OBJECT and is left at its END_OBJECT. */
  void read(JsonParser p) throws IOException {
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken value = p.nextToken();
      if (value == JsonToken.START_OBJECT
          && (name.equals("prompt_tokens_details") || name.equals("input_tokens_details"))) {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String detail = p.currentName();
          JsonToken v = p.nextToken();
          if (detail.equals("cached_tokens")) {
            cachedTokens = number(p, v, cachedTokens);
          } else {
            p.skipChildren();
          }
        }
        continue;
      }
      accept(name, number(p, value, Long.MIN_VALUE));
    }
  }

  /** Accepts one usage field by name; values below zero are ignored. */
  void accept(String name, long value) {
    if (value < 0) {
      return;
    }
    switch (name) {
      case "prompt_tokens" -> promptTokens = value;
      case "input_tokens" -> inputTokens = value;
      case "cache_read_input_tokens" -> cacheRead = value;
      case "cache_creation_input_tokens" -> cacheCreation = value;
      case "cached_tokens" -> cachedTokens = value;
      case "completion_tokens", "output_tokens" -> outputTokens = value;
      default -> {}
    }
  }

  /** A token count from the current value, or {@code otherwise} when it is not one. */
  static long number(JsonParser p, JsonToken value, long otherwise) throws IOException {
    if (value == JsonToken.VALUE_NUMBER_INT
        && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
      long v = p.getLongValue();
      return v >= 0 && v <= MAX_TOKENS ? v : otherwise;
    }
    p.skipChildren();
    return otherwise;
  }
}
