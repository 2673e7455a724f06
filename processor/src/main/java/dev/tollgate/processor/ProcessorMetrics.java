package dev.tollgate.processor;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The processor's metrics, named and labelled after the OpenTelemetry GenAI semantic conventions
 * with the buckets they advise: {@code gen_ai.client.token.usage} by {@code gen_ai.token.type},
 * {@code gen_ai.server.request.duration}, {@code gen_ai.server.time_to_first_token} and {@code
 * gen_ai.server.time_per_output_token}, plus {@code tollgate.processor.rejections} and {@code
 * tollgate.processor.cost}, the priced cost of every request, whether or not a quota applies.
 *
 * <p>Cardinality is bounded: namespace, client, requested model and provider only take values from
 * the configuration (the caller's own text never becomes a label), and the response model, which
 * the provider chooses, keeps its first {@code maxResponseModels} distinct values and counts the
 * rest as {@code _other}. Client ids are bounded per namespace, because a JWT's client claim is
 * whatever the identity provider puts there: each namespace keeps at most {@code
 * maxClientsPerNamespace} client labels; a new client beyond them takes the slot of the client seen
 * longest ago if that one has been idle for {@code clientIdle} (its series are removed), else it is
 * counted as {@code _other}. Thread-safe.
 */
final class ProcessorMetrics {
  static final String TOKEN_USAGE = "gen_ai.client.token.usage";
  static final String REQUEST_DURATION = "gen_ai.server.request.duration";
  static final String TIME_TO_FIRST_TOKEN = "gen_ai.server.time_to_first_token";
  static final String TIME_PER_OUTPUT_TOKEN = "gen_ai.server.time_per_output_token";
  static final String REJECTIONS = "tollgate.processor.rejections";
  static final String COST = "tollgate.processor.cost";
  static final String DOWNGRADES = "tollgate.processor.downgrades";
  static final String SETTLEMENT_FAILURES = "tollgate.processor.settlement.failures";
  static final String OTHER = "_other";
  static final String NONE = "_none";

  private static final double[] TOKEN_BUCKETS = {
    1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864
  };
  private static final Duration[] DURATION_BUCKETS =
      seconds(
          0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92);
  private static final Duration[] TTFT_BUCKETS =
      seconds(
          0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5,
          10.0);
  private static final Duration[] TPOT_BUCKETS =
      seconds(0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5);

  private final MeterRegistry registry;
  private final int maxResponseModels;
  private final Set<String> responseModels = ConcurrentHashMap.newKeySet();
  private final ConcurrentHashMap<Labels, Meters> meters = new ConcurrentHashMap<>();
  private final int maxClientsPerNamespace;
  private final long clientIdleMillis;
  private final Clock clock;
  private final ConcurrentHashMap<String, ConcurrentHashMap<String, AtomicLong>> clientsSeen =
      new ConcurrentHashMap<>();

  private record Labels(
      String operation,
      String system,
      String requestModel,
      String responseModel,
      String namespace,
      String client,
      String provider,
      String errorType) {}

  private record CostLabels(
      String namespace, String client, String model, String provider, String currency) {}

  private final ConcurrentHashMap<CostLabels, Counter> costs = new ConcurrentHashMap<>();

  private record Meters(
      DistributionSummary input,
      DistributionSummary output,
      Timer duration,
      Timer timeToFirstToken,
      Timer timePerOutputToken) {}

  ProcessorMetrics(MeterRegistry registry, int maxResponseModels, Clock clock) {
    this(registry, maxResponseModels, 100, Duration.ofHours(1), clock);
  }

  ProcessorMetrics(
      MeterRegistry registry,
      int maxResponseModels,
      int maxClientsPerNamespace,
      Duration clientIdle,
      Clock clock) {
    this.registry = registry;
    this.maxResponseModels = maxResponseModels;
    this.maxClientsPerNamespace = maxClientsPerNamespace;
    this.clientIdleMillis = clientIdle.toMillis();
    this.clock = clock;
  }

  /** Records a request that reached a model route (successful or not upstream). */
  void record(Outcome o) {
    Labels labels =
        new Labels(
            o.operation().semconvName(),
            or(o.system()),
            or(o.requestModel()),
            responseModel(o.responseModel()),
            or(o.namespace()),
            client(o.namespace(), o.client()),
            or(o.provider()),
            o.status() >= 400 ? Integer.toString(o.status()) : (o.aborted() ? "aborted" : NONE));
    Meters m = meters.computeIfAbsent(labels, this::register);
    if (o.status() > 0 && o.status() < 400) {
      m.input().record(o.inputTokens());
      m.output().record(o.outputTokens());
    }
    if (o.cost() != null && o.currency() != null) {
      costs
          .computeIfAbsent(
              new CostLabels(
                  labels.namespace(),
                  labels.client(),
                  labels.requestModel(),
                  labels.provider(),
                  o.currency()),
              this::costCounter)
          .increment(o.cost().doubleValue());
    }
    m.duration().record(o.durationNanos(), TimeUnit.NANOSECONDS);
    if (o.timeToFirstTokenNanos() >= 0) {
      m.timeToFirstToken().record(o.timeToFirstTokenNanos(), TimeUnit.NANOSECONDS);
      if (o.stream() && o.outputTokens() > 1) {
        long perToken = (o.durationNanos() - o.timeToFirstTokenNanos()) / (o.outputTokens() - 1);
        m.timePerOutputToken().record(Math.max(0, perToken), TimeUnit.NANOSECONDS);
      }
    }
  }

  /** Counts a request the processor answered itself, by error code and (when known) namespace. */
  void rejected(String code, String namespace) {
    Counter.builder(REJECTIONS)
        .description("Requests the processor refused, by error code")
        .tags("error.type", code, "tollgate.namespace", or(namespace))
        .register(registry)
        .increment();
  }

  /**
   * Counts a request whose settlement the rate-limit service did not answer in time, after every
   * attempt ({@link RetriedSettlement}): its ledger record keeps the processor's own figure, and
   * its reservation holds its budget until the reservation's TTL.
   */
  void settlementFailed() {
    Counter.builder(SETTLEMENT_FAILURES)
        .description("Requests whose usage the rate-limit service did not settle in time")
        .register(registry)
        .increment();
  }

  /** Counts a request that fell to its rule's cheaper tier. */
  void downgraded(String namespace, Downgrade how) {
    Counter.builder(DOWNGRADES)
        .description("Requests served by their rule's cheaper tier because a budget ran low")
        .tags(
            "tollgate.namespace", or(namespace),
            "gen_ai.request.model", how.from(),
            "tollgate.tier", how.to(),
            "tollgate.reason", how.fall().reason())
        .register(registry)
        .increment();
  }

  private Meters register(Labels l) {
    Tags common =
        Tags.of(
            "gen_ai.operation.name", l.operation(),
            "gen_ai.provider.name", l.system(),
            "gen_ai.request.model", l.requestModel(),
            "gen_ai.response.model", l.responseModel(),
            "tollgate.namespace", l.namespace(),
            "tollgate.client", l.client(),
            "tollgate.provider", l.provider());
    return new Meters(
        tokens(common, "input"),
        tokens(common, "output"),
        Timer.builder(REQUEST_DURATION)
            .description("Time from request headers to the end of the response")
            .tags(common)
            .tag("error.type", l.errorType())
            .serviceLevelObjectives(DURATION_BUCKETS)
            .register(registry),
        Timer.builder(TIME_TO_FIRST_TOKEN)
            .description("Time from request headers to the first generated text")
            .tags(common)
            .serviceLevelObjectives(TTFT_BUCKETS)
            .register(registry),
        Timer.builder(TIME_PER_OUTPUT_TOKEN)
            .description("Time per output token after the first, for streams")
            .tags(common)
            .serviceLevelObjectives(TPOT_BUCKETS)
            .register(registry));
  }

  private Counter costCounter(CostLabels l) {
    return Counter.builder(COST)
        .description("Cost of requests at the serving provider's prices, in the price's currency")
        .tags(
            "tollgate.namespace", l.namespace(),
            "tollgate.client", l.client(),
            "gen_ai.request.model", l.model(),
            "tollgate.provider", l.provider(),
            "currency", l.currency())
        .register(registry);
  }

  private DistributionSummary tokens(Tags common, String type) {
    return DistributionSummary.builder(TOKEN_USAGE)
        .description("Tokens used per request, by input and output")
        .tags(common)
        .tag("gen_ai.token.type", type)
        .serviceLevelObjectives(TOKEN_BUCKETS)
        .register(registry);
  }

  private String responseModel(String model) {
    if (model == null) {
      return NONE;
    }
    if (responseModels.contains(model)) {
      return model;
    }
    synchronized (responseModels) {
      if (responseModels.size() < maxResponseModels) {
        responseModels.add(model);
        return model;
      }
    }
    return responseModels.contains(model) ? model : OTHER;
  }

  /** The client's label: itself while its namespace has room or an idle slot, else _other. */
  private String client(String namespace, String client) {
    if (client == null) {
      return NONE;
    }
    long now = clock.millis();
    var seen = clientsSeen.computeIfAbsent(or(namespace), k -> new ConcurrentHashMap<>());
    AtomicLong last = seen.get(client);
    if (last != null) {
      last.set(now);
      return client;
    }
    synchronized (seen) {
      last = seen.get(client);
      if (last == null
          && seen.size() >= maxClientsPerNamespace
          && !evictIdle(namespace, seen, now)) {
        return OTHER;
      }
      if (last == null) {
        seen.put(client, new AtomicLong(now));
      }
    }
    return client;
  }

  /** Frees the slot of the client seen longest ago when it has been idle long enough. */
  private boolean evictIdle(String namespace, Map<String, AtomicLong> seen, long now) {
    String oldest = null;
    long oldestAt = Long.MAX_VALUE;
    for (Map.Entry<String, AtomicLong> e : seen.entrySet()) {
      long at = e.getValue().get();
      if (at < oldestAt || (at == oldestAt && e.getKey().compareTo(oldest) < 0)) {
        oldest = e.getKey();
        oldestAt = at;
      }
    }
    if (oldest == null || now - oldestAt < clientIdleMillis) {
      return false;
    }
    seen.remove(oldest);
    String ns = or(namespace);
    for (Labels labels : meters.keySet()) {
      if (labels.client().equals(oldest) && labels.namespace().equals(ns)) {
        Meters m = meters.remove(labels);
        if (m != null) {
          registry.remove(m.input());
          registry.remove(m.output());
          registry.remove(m.duration());
          registry.remove(m.timeToFirstToken());
          registry.remove(m.timePerOutputToken());
        }
      }
    }
    for (CostLabels labels : costs.keySet()) {
      if (labels.client().equals(oldest) && labels.namespace().equals(ns)) {
        Counter c = costs.remove(labels);
        if (c != null) {
          registry.remove(c);
        }
      }
    }
    return true;
  }

  private static String or(String value) {
    return value == null ? NONE : value;
  }

  private static Duration[] seconds(double... values) {
    Duration[] out = new Duration[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = Duration.ofNanos((long) (values[i] * 1_000_000_000L));
    }
    return out;
  }
}
