package dev.tollgate.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DurationsTest {
  @Test
  void parsesEveryUnitAndFallsBackWhenAbsent() {
    assertThat(Durations.toMillis("250ms", 0)).isEqualTo(250);
    assertThat(Durations.toMillis("30s", 0)).isEqualTo(30_000);
    assertThat(Durations.toMillis("5m", 0)).isEqualTo(300_000);
    assertThat(Durations.toMillis("2h", 0)).isEqualTo(7_200_000);
    assertThat(Durations.toMillis(null, 42)).isEqualTo(42);
  }

  @Test
  void rejectsAnythingElse() {
    assertThatThrownBy(() -> Durations.toMillis("1.5s", 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Durations.toMillis("-1s", 0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
