package dev.tollgate.operator;

import static dev.tollgate.operator.ResourceMetadata.conditionsOf;
import static dev.tollgate.operator.ResourceMetadata.generation;
import static dev.tollgate.operator.ResourceMetadata.identity;
import static dev.tollgate.operator.ResourceMetadata.refOf;

import dev.tollgate.model.GatewayModel;
import dev.tollgate.model.ProviderPolicy;
import dev.tollgate.model.ResourceRef;
import dev.tollgate.model.ResourceStatusReport;
import dev.tollgate.model.source.ConfigSource;
import dev.tollgate.model.source.ModelPublisher;
import dev.tollgate.xds.AdsServer;
import dev.tollgate.xds.NodeStatusTracker.Nack;
import dev.tollgate.xds.NodeStatusTracker.NodeStatus;
import dev.tollgate.xds.XdsTranslator;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway as the operator sees it: the {@link ModelPublisher} builds the GatewayModel from the
 * operator's {@link ConfigSource}; this state publishes each new version's xDS to the ADS server
 * (the publisher's gate, so the data-plane services only get what Envoy got), follows what each
 * Envoy node acknowledged, and triggers a reconcile of every resource whose status is no longer
 * what the model and the Envoy fleet say. Reconcilers only read from it.
 *
 * <p>Every replica builds and publishes, so any replica can serve Envoy the same content-hashed
 * version; only the leader writes status and Events.
 *
 * <p>Thread-safe: builds, publishing and evaluation run on one thread; readers see an immutable
 * {@link GatewayView}.
 */
final class GatewayState implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GatewayState.class);

  private final ResourceCaches caches;
  private final XdsTranslator translator;
  private final AdsServer ads;
  private final String nodeGroup;
  private final OperatorMetrics metrics;
  private final Clock clock;
  private final Duration coalesce;
  private final Duration grace;
  private final Duration resync;
  private final ConfigAnnouncer announcer;
  private final ScheduledExecutorService executor;
  private final ModelPublisher publisher;
  private final Map<String, SimpleInboundEventSource<?>> triggers = new ConcurrentHashMap<>();
  private final AtomicBoolean evaluateScheduled = new AtomicBoolean();
  private final PublishedVersions versions = new PublishedVersions();
  private volatile dev.tollgate.ledger.ConfigAudit audit = dev.tollgate.ledger.ConfigAudit.NONE;
  private final Map<String, Nack> seenNacks = new HashMap<>();
  private volatile boolean started;
  private volatile Instant startedAt = Instant.MAX;
  private volatile GatewayView view;

  /**
   * Creates the state; nothing is built before {@link #start()}.
   *
   * @param caches the controllers' caches, which the source reads the three Tollgate kinds from
   * @param source where the model's resources are read
   * @param translator turns a model into xDS
   * @param ads where xDS is published
   * @param nodeGroup the Envoy node group published to
   * @param events where Events go
   * @param metrics where metrics go
   * @param clock the time of conditions and Events
   * @param coalesce how long to wait for more changes before building or evaluating
   * @param grace after start, how long a Programmed condition is kept while no Envoy is connected
   * @param resync how often statuses are compared with the model without a change
   * @param operatorPod the operator's own Pod, for Events about the whole configuration, or null
   */
  GatewayState(
      ResourceCaches caches,
      ConfigSource source,
      ProviderPolicy providerPolicy,
      XdsTranslator translator,
      AdsServer ads,
      String nodeGroup,
      EventRecorder events,
      OperatorMetrics metrics,
      Clock clock,
      Duration coalesce,
      Duration grace,
      Duration resync,
      ObjectReference operatorPod) {
    this.caches = caches;
    this.translator = translator;
    this.ads = ads;
    this.nodeGroup = nodeGroup;
    this.metrics = metrics;
    this.clock = clock;
    this.coalesce = coalesce;
    this.grace = grace;
    this.resync = resync;
    this.announcer = new ConfigAnnouncer(events, operatorPod);
    this.executor =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "tollgate-gateway-state");
              t.setDaemon(true);
              return t;
            });
    this.publisher =
        new ModelPublisher(
            source, providerPolicy, coalesce, ModelPublisher.Scheduler.on(executor), this::admit);
    ads.tracker().addListener(this::onNodeStatus);
  }

  /**
   * Hands every version built from now on (published, or refused with its problem) to {@code
   * audit}. Every replica builds and publishes, so give an audit to one replica only, or each
   * version is recorded once per replica.
   */
  void auditTo(dev.tollgate.ledger.ConfigAudit audit) {
    this.audit = audit;
  }

  /** Returns the caches the model is built from. */
  ResourceCaches caches() {
    return caches;
  }

  /** Registers the event source that triggers reconciles of one kind. */
  void registerTrigger(String kind, SimpleInboundEventSource<?> trigger) {
    triggers.put(kind, trigger);
  }

  /**
   * Builds and publishes the first model, then follows changes. Call once every cache is filled: a
   * model built from half-filled caches would take working routes out of Envoy.
   */
  void start() {
    startedAt = clock.instant();
    started = true;
    try {
      executor.submit(publisher::start).get();
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot build the first model", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while building the first model", e);
    }
    executor.scheduleWithFixedDelay(
        this::evaluateSafely, resync.toMillis(), resync.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Registers a listener that receives every model whose xDS was published (the data-plane
   * services: processor, rate-limit service), at once with the current one if there is one.
   */
  void addModelListener(Consumer<GatewayModel> listener) {
    publisher.addListener(listener);
  }

  /** Asks for a new model; coalesced with other requests. */
  void requestRebuild() {
    publisher.requestBuild();
  }

  /** Asks for a comparison of every status with the model; coalesced with other requests. */
  void requestEvaluate() {
    if (started && evaluateScheduled.compareAndSet(false, true)) {
      try {
        executor.schedule(
            () -> {
              evaluateScheduled.set(false);
              evaluateSafely();
            },
            coalesce.toMillis(),
            TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException e) {
        evaluateScheduled.set(false);
      }
    }
  }

  /** Returns whether a model has been built and published. */
  boolean ready() {
    return view != null;
  }

  /** Returns the gateway as last built, if built. */
  Optional<GatewayView> view() {
    return Optional.ofNullable(view);
  }

  /**
   * Returns the conditions a resource should have: Accepted and ResolvedRefs from the model,
   * Programmed from the Envoy fleet; empty when the model was not built from this object yet.
   */
  Optional<List<dev.tollgate.model.Condition>> desired(
      HasMetadata resource, List<Condition> current) {
    return desired(resource, current, ads.tracker().nodes().values());
  }

  private Optional<List<dev.tollgate.model.Condition>> desired(
      HasMetadata resource, List<Condition> current, Collection<NodeStatus> nodes) {
    GatewayView v = view;
    if (v == null) {
      return Optional.empty();
    }
    ResourceRef ref = refOf(resource);
    if (!identity(resource).equals(v.identities().get(ref))) {
      return Optional.empty();
    }
    ResourceStatusReport report = v.reports().get(ref);
    if (report == null) {
      return Optional.empty();
    }
    dev.tollgate.model.Condition programmed =
        ProgrammedCondition.of(
            report.accepted(),
            v.publication().since().get(ref),
            v.publication().version(),
            v.publication().sequenceByVersion(),
            nodes,
            v.publishProblem());
    if (inGrace() && nodes.stream().noneMatch(NodeStatus::connected)) {
      // Envoys reconnect a few seconds after the operator restarts; until then, what they
      // acknowledged before is still the best knowledge, so keep it rather than flap to False.
      Optional<Condition> kept =
          StatusConditions.find(current, ProgrammedCondition.TYPE)
              .filter(c -> c.getStatus() != null && c.getReason() != null && c.getMessage() != null)
              .filter(
                  c -> generation(resource) == ResourceMetadata.orZero(c.getObservedGeneration()));
      if (kept.isPresent()) {
        programmed =
            new dev.tollgate.model.Condition(
                ProgrammedCondition.TYPE,
                kept.get().getStatus(),
                kept.get().getReason(),
                kept.get().getMessage());
      }
    }
    List<dev.tollgate.model.Condition> conditions = new ArrayList<>(report.conditions());
    conditions.add(programmed);
    return Optional.of(conditions);
  }

  private boolean inGrace() {
    return clock.instant().isBefore(startedAt.plus(grace));
  }

  /**
   * The publisher's gate, on the state's thread: publishes a new version's xDS, then records which
   * objects every build (new version or not) was made from, so statuses follow uid and generation.
   */
  private boolean admit(ModelPublisher.Build build) {
    long begin = System.nanoTime();
    GatewayView previous = view;
    GatewayModel model = build.model();
    PublishedVersions.Publication publication;
    String problem;
    ConfigChanges changes = null;
    if (previous == null || build.newVersion()) {
      problem = publish(model);
      publication = versions.record(model);
      changes = ConfigChanges.between(previous == null ? null : previous.model(), model);
      audit.published(
          ConfigAuditTrail.record(
              previous == null ? null : previous.model(),
              model,
              build.snapshot(),
              nodeGroup,
              problem,
              clock.instant()));
    } else {
      publication = previous.publication();
      problem = previous.publishProblem();
    }
    metrics.modelBuild().record(build.took().plusNanos(System.nanoTime() - begin));
    GatewayView next = GatewayView.of(build.snapshot(), model, publication, problem);
    view = next;
    metrics.resources(model);
    if (changes != null) {
      announcer.published(changes, previous, next);
    }
    evaluate();
    return problem == null;
  }

  /** Publishes a model's xDS; returns why it could not be published, or null. */
  private String publish(GatewayModel model) {
    try {
      ads.publish(nodeGroup, translator.translate(model));
      metrics.published(true);
      return null;
    } catch (IllegalArgumentException e) {
      metrics.published(false);
      LOG.error("configuration version {} not published: {}", model.version(), e.getMessage());
      return e.getMessage();
    }
  }

  private void onNodeStatus(NodeStatus status) {
    try {
      executor.execute(() -> nodeStatusChanged(status));
    } catch (RejectedExecutionException e) {
      LOG.debug("ignoring the status of Envoy node {} during shutdown", status.nodeId());
    }
  }

  private void nodeStatusChanged(NodeStatus status) {
    Optional<Nack> nack = status.lastNack();
    if (nack.isEmpty()) {
      seenNacks.remove(status.nodeId());
    } else if (!nack.get().equals(seenNacks.get(status.nodeId()))) {
      seenNacks.put(status.nodeId(), nack.get());
      metrics.rejected();
      announcer.rejected(status.nodeId(), nack.get(), view);
    }
    requestEvaluate();
  }

  private void evaluateSafely() {
    try {
      evaluate();
    } catch (RuntimeException e) {
      LOG.error("cannot compare statuses with the gateway model", e);
    }
  }

  /** Triggers a reconcile of every resource whose status differs from what it should be. */
  private void evaluate() {
    if (view == null) {
      return;
    }
    Collection<NodeStatus> nodes = ads.tracker().nodes().values();
    metrics.nodes(
        nodes.stream().filter(NodeStatus::connected).count(),
        nodes.stream().filter(n -> n.connected() && n.lastNack().isPresent()).count());
    boolean stale = false;
    for (HasMetadata resource : caches.primaries().toList()) {
      List<Condition> current = conditionsOf(resource);
      Optional<List<dev.tollgate.model.Condition>> want = desired(resource, current, nodes);
      if (want.isEmpty()) {
        stale = true;
      } else if (!StatusConditions.satisfied(current, want.get(), generation(resource))) {
        SimpleInboundEventSource<?> trigger = triggers.get(resource.getKind());
        if (trigger != null) {
          trigger.propagateEvent(ResourceID.fromResource(resource));
        }
      }
    }
    if (stale) {
      requestRebuild();
    }
  }

  @Override
  public void close() {
    started = false;
    publisher.close();
    executor.shutdownNow();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
