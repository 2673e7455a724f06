package dev.tollgate.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.api.v1alpha1.Window;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class WindowsTest {
  private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
  private static final ZoneId NEW_YORK = ZoneId.of("America/New_York");
  private static final ZoneId TOKYO = ZoneId.of("Asia/Tokyo");

  @Test
  void minuteAndHourWindowsAreFixedUtcIntervalsWhateverTheZone() {
    Instant t = Instant.parse("2026-03-10T10:17:42.5Z");
    assertThat(Windows.span(Window.MINUTE, BERLIN, t))
        .isEqualTo(span("2026-03-10T10:17:00Z", "2026-03-10T10:18:00Z"));
    assertThat(Windows.span(Window.HOUR, ZoneId.of("Asia/Kolkata"), t))
        .isEqualTo(span("2026-03-10T10:00:00Z", "2026-03-10T11:00:00Z"));
  }

  @Test
  void dayStartsAtMidnightInTheQuotaZone() {
    Instant t = Instant.parse("2026-03-10T23:30:00Z");
    assertThat(Windows.span(Window.DAY, ZoneOffset.UTC, t))
        .isEqualTo(span("2026-03-10T00:00:00Z", "2026-03-11T00:00:00Z"));
    assertThat(Windows.span(Window.DAY, BERLIN, t))
        .isEqualTo(span("2026-03-10T23:00:00Z", "2026-03-11T23:00:00Z"));
  }

  @Test
  void dayIs23HoursLongWhenClocksSpringForward() {
    WindowSpan day = Windows.span(Window.DAY, BERLIN, Instant.parse("2026-03-29T12:00:00Z"));
    assertThat(day).isEqualTo(span("2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z"));
    assertThat(Duration.between(day.start(), day.end())).isEqualTo(Duration.ofHours(23));
  }

  @Test
  void dayIs25HoursLongWhenClocksFallBack() {
    WindowSpan day = Windows.span(Window.DAY, BERLIN, Instant.parse("2026-10-25T12:00:00Z"));
    assertThat(day).isEqualTo(span("2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z"));
    assertThat(Duration.between(day.start(), day.end())).isEqualTo(Duration.ofHours(25));
  }

  @Test
  void dayStartsAtTheFirstLocalTimeWhenMidnightIsSkipped() {
    // Chile moves its clocks from 00:00 to 01:00 on 6 September 2026.
    ZoneId santiago = ZoneId.of("America/Santiago");
    WindowSpan day = Windows.span(Window.DAY, santiago, Instant.parse("2026-09-06T15:00:00Z"));
    assertThat(day.start().atZone(santiago).toLocalTime().toString()).isEqualTo("01:00");
    assertThat(day).isEqualTo(span("2026-09-06T04:00:00Z", "2026-09-07T03:00:00Z"));
    assertThat(Windows.span(Window.DAY, santiago, Instant.parse("2026-09-06T03:59:59Z")).end())
        .isEqualTo(day.start());
  }

  @Test
  void monthResetsAtMidnightOnTheFirstInTheQuotaZone() {
    // 03:30 UTC on 1 November is still October in New York and already November in Tokyo.
    Instant t = Instant.parse("2026-11-01T03:30:00Z");
    assertThat(Windows.span(Window.MONTH, NEW_YORK, t))
        .isEqualTo(span("2026-10-01T04:00:00Z", "2026-11-01T04:00:00Z"));
    assertThat(Windows.span(Window.MONTH, TOKYO, t))
        .isEqualTo(span("2026-10-31T15:00:00Z", "2026-11-30T15:00:00Z"));
    assertThat(Windows.span(Window.MONTH, ZoneOffset.UTC, t))
        .isEqualTo(span("2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z"));
  }

  @Test
  void monthWithADaylightSavingChangeIsAnHourShorterOrLonger() {
    WindowSpan march = Windows.span(Window.MONTH, BERLIN, Instant.parse("2026-03-15T00:00:00Z"));
    assertThat(march).isEqualTo(span("2026-02-28T23:00:00Z", "2026-03-31T22:00:00Z"));
    assertThat(Duration.between(march.start(), march.end()))
        .isEqualTo(Duration.ofDays(31).minusHours(1));
    WindowSpan november =
        Windows.span(Window.MONTH, NEW_YORK, Instant.parse("2026-11-15T00:00:00Z"));
    assertThat(november).isEqualTo(span("2026-11-01T04:00:00Z", "2026-12-01T05:00:00Z"));
    assertThat(Duration.between(november.start(), november.end()))
        .isEqualTo(Duration.ofDays(30).plusHours(1));
  }

  @Test
  void resetTimeFollowsTheInjectedClock() {
    Clock clock = Clock.fixed(Instant.parse("2026-02-10T12:00:00Z"), ZoneOffset.UTC);
    assertThat(Windows.resetAt(Window.MONTH, BERLIN, clock))
        .isEqualTo(Instant.parse("2026-02-28T23:00:00Z"));
    assertThat(Windows.resetAt(Window.DAY, TOKYO, clock))
        .isEqualTo(Instant.parse("2026-02-10T15:00:00Z"));
  }

  @Test
  void windowsFollowEachOtherWithoutGapsOrOverlapsThroughAYear() {
    for (ZoneId zone : List.of(BERLIN, NEW_YORK, TOKYO, ZoneId.of("Australia/Lord_Howe"))) {
      for (Window window : List.of(Window.DAY, Window.MONTH)) {
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        WindowSpan current = Windows.span(window, zone, t);
        while (current.start().isBefore(Instant.parse("2027-01-01T00:00:00Z"))) {
          WindowSpan next = Windows.span(window, zone, current.end());
          assertThat(next.start())
              .as("%s %s after %s", zone, window, current)
              .isEqualTo(current.end());
          assertThat(Windows.span(window, zone, current.end().minusMillis(1))).isEqualTo(current);
          current = next;
        }
      }
    }
  }

  private static WindowSpan span(String start, String end) {
    return new WindowSpan(Instant.parse(start), Instant.parse(end));
  }
}
