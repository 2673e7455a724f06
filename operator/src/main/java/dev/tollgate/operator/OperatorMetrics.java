package dev.tollgate.operator;

import dev.tollgate.model.GatewayModel;
import dev.tollgate.model.ResourceStatusReport;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.api.reconciler.Constants;
import io.javaoperatorsdk.operator.api.reconciler.RetryInfo;
import io.javaoperatorsdk.operator.processing.event.Event;
import io.javaoperatorsdk.operator.processing.event.source.controller.ResourceEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Prometheus metrics of the operator: the Java Operator SDK's reconciliation metrics (through its
 * {@link Metrics} hook) and Tollgate's own (model builds, published versions, Envoy nodes, status
 * writes, leadership). Meter names start with {@code tollgate_operator_}.
 *
 * <p>Thread-safe.
 */
final class OperatorMetrics implements Metrics {
  private final MeterRegistry registry;
  private final AtomicLong leader = new AtomicLong();
  private final AtomicLong connectedNodes = new AtomicLong();
  private final AtomicLong rejectingNodes = new AtomicLong();
  private final Map<String, AtomicLong> resources = new ConcurrentHashMap<>();

  OperatorMetrics(MeterRegistry registry) {
    this.registry = registry;
    registry.gauge("tollgate.operator.leader", leader);
    registry.gauge(
        "tollgate.operator.envoy.nodes", List.of(Tag.of("state", "connected")), connectedNodes);
    registry.gauge(
        "tollgate.operator.envoy.nodes", List.of(Tag.of("state", "rejecting")), rejectingNodes);
  }

  /** Returns the registry, for the probe server's {@code /metrics}. */
  MeterRegistry registry() {
    return registry;
  }

  // ---------------------------------------------------------------- the SDK's hooks

  @Override
  public void receivedEvent(Event event, Map<String, Object> metadata) {
    String action =
        event instanceof ResourceEvent resourceEvent
            ? resourceEvent.getAction().name().toLowerCase(Locale.ROOT)
            : "trigger";
    Counter.builder("tollgate.operator.events.received")
        .description("Events the reconcilers received: resource actions and model triggers")
        .tag("controller", controller(metadata))
        .tag("action", action)
        .register(registry)
        .increment();
  }

  @Override
  public void reconcileCustomResource(
      HasMetadata resource, RetryInfo retryInfo, Map<String, Object> metadata) {
    Counter.builder("tollgate.operator.reconciliations.started")
        .tag("controller", controller(metadata))
        .tag("retry", String.valueOf(retryInfo != null && retryInfo.getAttemptCount() > 0))
        .register(registry)
        .increment();
  }

  @Override
  public void finishedReconciliation(HasMetadata resource, Map<String, Object> metadata) {
    Counter.builder("tollgate.operator.reconciliations.succeeded")
        .tag("controller", controller(metadata))
        .register(registry)
        .increment();
  }

  @Override
  public void failedReconciliation(
      HasMetadata resource, Exception exception, Map<String, Object> metadata) {
    Counter.builder("tollgate.operator.reconciliations.failed")
        .tag("controller", controller(metadata))
        .tag("exception", exception.getClass().getSimpleName())
        .register(registry)
        .increment();
  }

  @Override
  public <T> T timeControllerExecution(ControllerExecution<T> execution) throws Exception {
    Timer.Sample sample = Timer.start(registry);
    String outcome = "failure";
    try {
      T result = execution.execute();
      outcome = execution.successTypeName(result);
      return result;
    } finally {
      sample.stop(
          Timer.builder("tollgate.operator.reconciliation")
              .description("Time spent in reconcile, status patch included")
              .tag("controller", execution.controllerName())
              .tag("outcome", Objects.toString(outcome, "unknown"))
              .register(registry));
    }
  }

  // ---------------------------------------------------------------- Tollgate's own

  /** Times one model build and translation. */
  Timer modelBuild() {
    return Timer.builder("tollgate.operator.model.build")
        .description("Time to build the GatewayModel from the caches and translate it to xDS")
        .register(registry);
  }

  /** Counts a configuration version published, or refused by the consistency check. */
  void published(boolean ok) {
    Counter.builder("tollgate.operator.config.published")
        .description("Configuration versions published to the ADS server")
        .tag("result", ok ? "published" : "inconsistent")
        .register(registry)
        .increment();
  }

  /** Counts a configuration an Envoy node rejected. */
  void rejected() {
    Counter.builder("tollgate.operator.envoy.rejections")
        .description("Configuration versions an Envoy node rejected (NACK)")
        .register(registry)
        .increment();
  }

  /** Records how many Envoy nodes are connected and how many run a rejected version. */
  void nodes(long connected, long rejecting) {
    connectedNodes.set(connected);
    rejectingNodes.set(rejecting);
  }

  /** Records how many resources of each kind the model accepted and how many it did not. */
  void resources(GatewayModel model) {
    Map<String, long[]> counts = new HashMap<>();
    for (String kind : List.of("ModelProvider", "AIRoute", "TokenQuota")) {
      counts.put(kind, new long[2]);
    }
    for (ResourceStatusReport report : model.statuses()) {
      counts
          .computeIfAbsent(report.resource().kind(), k -> new long[2])[report.accepted() ? 0 : 1]++;
    }
    counts.forEach(
        (kind, c) -> {
          gaugeOf(kind, "true").set(c[0]);
          gaugeOf(kind, "false").set(c[1]);
        });
  }

  /** Counts a status write, or one skipped because nothing changed. */
  void statusWrite(String kind, boolean written) {
    Counter.builder("tollgate.operator.status.writes")
        .description("Status writes per kind; result=unchanged counts writes skipped")
        .tag("kind", kind)
        .tag("result", written ? "written" : "unchanged")
        .register(registry)
        .increment();
  }

  /** Records whether this replica leads. */
  void leader(boolean leading) {
    leader.set(leading ? 1 : 0);
  }

  private AtomicLong gaugeOf(String kind, String accepted) {
    return resources.computeIfAbsent(
        kind + "/" + accepted,
        k -> {
          AtomicLong value = new AtomicLong();
          registry.gauge(
              "tollgate.operator.resources",
              List.of(Tag.of("kind", kind), Tag.of("accepted", accepted)),
              value);
          return value;
        });
  }

  private static String controller(Map<String, Object> metadata) {
    return Objects.toString(metadata.get(Constants.CONTROLLER_NAME), "unknown");
  }
}
