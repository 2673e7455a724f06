package dev.tollgate.processor;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What requests reserved against budgets and what they turned out to use, so that reserves can be
 * compared with usage: {@code tollgate.processor.reservation} (the tokens reserved: prompt estimate
 * plus output reserve) and {@code tollgate.processor.realized} (the tokens committed: input plus
 * output), histograms in tokens by {@code tollgate.namespace}, {@code gen_ai.request.model} and
 * {@code tollgate.reserve.source} ({@code request}, {@code rule}, {@code history}, {@code cap},
 * {@code none}). Namespaces and models come from the configuration and the source is one of five,
 * so the series are bounded; no client label. Requests the budget refused reserved nothing and are
 * not recorded. Thread-safe.
 */
final class ReservationMetrics {
  static final String RESERVATION = "tollgate.processor.reservation";
  static final String REALIZED = "tollgate.processor.realized";

  private static final double[] TOKEN_BUCKETS = {
    16, 64, 256, 512, 1024, 2048, 4096, 8192, 16384, 65536, 262144, 1048576, 4194304
  };

  private record Labels(String namespace, String model, OutputReserves.Source source) {}

  private record Meters(DistributionSummary reserved, DistributionSummary realized) {}

  private final MeterRegistry registry;
  private final ConcurrentHashMap<Labels, Meters> meters = new ConcurrentHashMap<>();

  ReservationMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Records one request's reservation and the tokens it was committed at. */
  void record(ModelRequest request, long committedTokens) {
    Policy.Target target = request.target();
    Meters m =
        meters.computeIfAbsent(
            new Labels(
                target.route().namespace(), target.requestedModel(), request.reserveSource()),
            this::register);
    m.reserved().record(request.reserve());
    m.realized().record(committedTokens);
  }

  private Meters register(Labels l) {
    return new Meters(
        summary(RESERVATION, "Tokens reserved per request", l),
        summary(REALIZED, "Tokens committed per request (input plus output)", l));
  }

  private DistributionSummary summary(String name, String description, Labels l) {
    return DistributionSummary.builder(name)
        .description(description)
        .baseUnit("tokens")
        .tags(
            "tollgate.namespace", l.namespace(),
            "gen_ai.request.model", l.model(),
            "tollgate.reserve.source", l.source().label())
        .serviceLevelObjectives(TOKEN_BUCKETS)
        .register(registry);
  }
}
