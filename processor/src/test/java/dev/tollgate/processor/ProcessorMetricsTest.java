package dev.tollgate.processor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.testkit.MutableClock;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** Client labels are bounded per namespace, so one tenant's token claims cannot grow metrics. */
class ProcessorMetricsTest {
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  final ProcessorMetrics metrics = new ProcessorMetrics(registry, 8, 3, Duration.ofHours(1), clock);

  static Outcome outcome(String namespace, String client) {
    return new Outcome(
        "id",
        "POST",
        "/v1/chat/completions",
        Operation.values()[0],
        200,
        "jwt",
        namespace,
        client,
        "route",
        "model",
        "model",
        "ns/provider",
        "openai",
        false,
        1,
        1,
        1,
        0,
        1,
        "provider",
        null,
        null,
        1_000_000,
        -1,
        null,
        false);
  }

  Set<String> clients(String namespace) {
    Set<String> out = new TreeSet<>();
    for (Meter m : registry.getMeters()) {
      if (namespace.equals(m.getId().getTag("tollgate.namespace"))
          && m.getId().getTag("tollgate.client") != null) {
        out.add(m.getId().getTag("tollgate.client"));
      }
    }
    return out;
  }

  @Test
  void clientsBeyondTheBoundOfANamespaceAreCountedAsOtherWithoutTouchingOtherNamespaces() {
    for (int i = 0; i < 50; i++) {
      metrics.record(outcome("team-a", "user-" + i));
    }
    metrics.record(outcome("team-b", "bob"));
    assertThat(clients("team-a")).containsExactly("_other", "user-0", "user-1", "user-2");
    assertThat(clients("team-b")).containsExactly("bob");
  }

  @Test
  void aClientIdleLongerThanTheIdleTimeGivesItsSlotAndSeriesToANewOne() {
    metrics.record(outcome("team-a", "old"));
    clock.advance(Duration.ofMinutes(30));
    metrics.record(outcome("team-a", "b"));
    metrics.record(outcome("team-a", "c"));
    metrics.record(outcome("team-a", "early"));
    assertThat(clients("team-a")).containsExactly("_other", "b", "c", "old");
    clock.advance(Duration.ofMinutes(31));
    metrics.record(outcome("team-a", "late"));
    assertThat(clients("team-a")).containsExactly("_other", "b", "c", "late");
  }
}
