package dev.tollgate.ratelimit;

import dev.tollgate.api.v1alpha1.Window;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;

/**
 * Window arithmetic of budgets.
 *
 * <p>{@code 1m} and {@code 1h} windows are fixed minutes and hours of UTC, so they never depend on
 * a time zone's daylight saving rules (in a zone whose offset is not a whole hour, such as
 * Asia/Kolkata, hours therefore start at half past local time). {@code 1d} and {@code Month}
 * windows start at 00:00 local time in the quota's zone; a day can be 23 or 25 hours long, and
 * where midnight does not exist on a transition day the window starts at the first local time that
 * does.
 */
public final class Windows {
  private Windows() {}

  /** Returns the window of the given kind that contains {@code now}. */
  public static WindowSpan span(Window window, ZoneId zone, Instant now) {
    return switch (window) {
      case MINUTE -> fixed(now, 60);
      case HOUR -> fixed(now, 3600);
      case DAY -> {
        LocalDate day = now.atZone(zone).toLocalDate();
        yield new WindowSpan(
            day.atStartOfDay(zone).toInstant(), day.plusDays(1).atStartOfDay(zone).toInstant());
      }
      case MONTH -> {
        LocalDate first = now.atZone(zone).toLocalDate().withDayOfMonth(1);
        yield new WindowSpan(
            first.atStartOfDay(zone).toInstant(),
            first.plusMonths(1).atStartOfDay(zone).toInstant());
      }
    };
  }

  /** Returns when the current window of the given kind ends, by the given clock. */
  public static Instant resetAt(Window window, ZoneId zone, Clock clock) {
    return span(window, zone, clock.instant()).end();
  }

  private static WindowSpan fixed(Instant now, long seconds) {
    long start = Math.floorDiv(now.getEpochSecond(), seconds) * seconds;
    return new WindowSpan(Instant.ofEpochSecond(start), Instant.ofEpochSecond(start + seconds));
  }
}
