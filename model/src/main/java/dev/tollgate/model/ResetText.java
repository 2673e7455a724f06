package dev.tollgate.model;

import java.time.Duration;

/**
 * How a budget's reset time is spelt in {@code x-ratelimit-reset-*} headers, the way OpenAI spells
 * it: {@code 20ms}, {@code 1s}, {@code 6m0s}, {@code 26h3m12s} (whole seconds rounded up). One
 * spelling for the rate-limit service's answers and the processor's early refusals.
 */
public final class ResetText {
  private ResetText() {}

  /** Returns {@code duration} spelt as a reset header value; a negative duration is 0ms. */
  public static String of(Duration duration) {
    long millis = Math.max(0, duration.toMillis());
    if (millis < 1000) {
      return millis + "ms";
    }
    long seconds = (millis + 999) / 1000;
    long hours = seconds / 3600;
    long minutes = seconds % 3600 / 60;
    long secs = seconds % 60;
    if (hours > 0) {
      return hours + "h" + minutes + "m" + secs + "s";
    }
    return minutes > 0 ? minutes + "m" + secs + "s" : secs + "s";
  }
}
