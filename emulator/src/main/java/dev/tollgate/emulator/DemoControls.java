package dev.tollgate.emulator;

import java.util.Optional;

/**
 * The demo's knobs, which no real provider has: request headers that force a status, delay or slow
 * an answer, size it, or report cached input, and model names that always fail. An emulator renders
 * each in its own provider's shape.
 *
 * <ul>
 *   <li>{@code x-demo-status: 4xx|5xx}: answer that status (the provider's error body);
 *   <li>{@code x-demo-delay-ms}: wait before answering (added to the server's latency);
 *   <li>{@code x-demo-chunk-delay-ms}: wait after every stream event, or every 8 KiB of JSON;
 *   <li>{@code x-demo-words}: answer that many words (at most {@value #MAX_WORDS}, still capped by
 *       the request's output limit);
 *   <li>{@code x-demo-cached-tokens}: report that many of the input tokens as cached (at most all);
 *   <li>a declared model whose name ends in {@code -unavailable} answers 503, one ending in {@code
 *       -ratelimited} answers 429 with {@code retry-after: 1}.
 * </ul>
 *
 * @param forcedStatus the status to answer instead, or 0
 * @param delayMillis wait before answering
 * @param chunkDelayMillis wait after every piece of the answer
 * @param words how many words to answer, 0 for the default sentence
 * @param cachedTokens how many input tokens to report as cached
 */
public record DemoControls(
    int forcedStatus, long delayMillis, long chunkDelayMillis, int words, int cachedTokens) {
  /** The most words an answer may have. */
  public static final int MAX_WORDS = 100_000;

  /** How a model's name makes every request to it fail. */
  public enum ModelFault {
    /** The name ends in {@code -unavailable}: 503. */
    UNAVAILABLE,
    /** The name ends in {@code -ratelimited}: 429 with {@code retry-after: 1}. */
    RATE_LIMITED
  }

  /** Reads the knobs from a request's headers; malformed values are ignored. */
  public static DemoControls of(ReceivedRequest request) {
    int forced = 0;
    String status = request.header("x-demo-status").orElse("");
    if (status.matches("[45][0-9][0-9]")) {
      forced = Integer.parseInt(status);
    }
    return new DemoControls(
        forced,
        number(request, "x-demo-delay-ms"),
        number(request, "x-demo-chunk-delay-ms"),
        (int) Math.min(number(request, "x-demo-words"), MAX_WORDS),
        (int) number(request, "x-demo-cached-tokens"));
  }

  /** Returns the fault a model's name asks for, if any. */
  public static Optional<ModelFault> faultOf(String model) {
    if (model.endsWith("-unavailable")) {
      return Optional.of(ModelFault.UNAVAILABLE);
    }
    if (model.endsWith("-ratelimited")) {
      return Optional.of(ModelFault.RATE_LIMITED);
    }
    return Optional.empty();
  }

  private static long number(ReceivedRequest request, String header) {
    String value = request.header(header).orElse("");
    return value.matches("[0-9]{1,6}") ? Long.parseLong(value) : 0;
  }
}
