package dev.tollgate.model;

/** Parses the short durations Tollgate's resources use: 250ms, 30s, 5m, 1h. */
public final class Durations {
  private Durations() {}

  /**
   * Returns the duration in milliseconds, or {@code fallbackMillis} when the text is null.
   *
   * @throws IllegalArgumentException if the text is not of the form digits + ms|s|m|h
   */
  public static long toMillis(String text, long fallbackMillis) {
    if (text == null) {
      return fallbackMillis;
    }
    if (!SpecChecks.DURATION.matcher(text).matches()) {
      throw new IllegalArgumentException("not a duration: " + text);
    }
    if (text.endsWith("ms")) {
      return Long.parseLong(text.substring(0, text.length() - 2));
    }
    long n = Long.parseLong(text.substring(0, text.length() - 1));
    return switch (text.charAt(text.length() - 1)) {
      case 's' -> n * 1_000;
      case 'm' -> n * 60_000;
      default -> n * 3_600_000;
    };
  }
}
