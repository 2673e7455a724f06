package dev.tollgate.processor;

import dev.tollgate.model.Wire;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * What the upstream (per-attempt) ext_proc streams received: {@value #ATTEMPTS}, by whether the
 * attempt's request headers carried a credential header ({@link Wire#CLIENT_CREDENTIAL_HEADERS}).
 * Envoy's {@code forward_rules} withhold those headers from that filter, so {@code
 * tollgate.credential_headers="present"} stays 0; a count there means a configuration sends keys to
 * the processor, which it never needs for an attempt. Names only, never values. Thread-safe.
 */
final class AttemptMetrics {
  static final String ATTEMPTS = "tollgate.processor.attempts";

  private final Counter withoutCredentials;
  private final Counter withCredentials;

  AttemptMetrics(MeterRegistry registry) {
    withoutCredentials = counter(registry, "absent");
    withCredentials = counter(registry, "present");
  }

  private static Counter counter(MeterRegistry registry, String credentials) {
    return Counter.builder(ATTEMPTS)
        .description("Upstream attempts the processor translated, by credential headers received")
        .tags("tollgate.credential_headers", credentials)
        .register(registry);
  }

  /** Counts one attempt's request headers. */
  void received(boolean credentialHeaders) {
    (credentialHeaders ? withCredentials : withoutCredentials).increment();
  }

  /** Whether this header name is a credential header an attempt must never carry here. */
  static boolean isCredential(String header) {
    return Wire.CLIENT_CREDENTIAL_HEADERS.contains(header);
  }
}
