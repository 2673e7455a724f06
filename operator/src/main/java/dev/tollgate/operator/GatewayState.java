package dev.tollgate.operator;

import dev.tollgate.api.v1alpha1.ResourceStatus;
import dev.tollgate.model.GatewayModel;
import dev.tollgate.model.GatewayModelBuilder;
import dev.tollgate.model.ResourceRef;
import dev.tollgate.model.ResourceStatusReport;
import dev.tollgate.model.source.ResourceSnapshot;
import dev.tollgate.xds.AdsServer;
import dev.tollgate.xds.NodeStatusTracker.Nack;
import dev.tollgate.xds.NodeStatusTracker.NodeStatus;
import dev.tollgate.xds.XdsResources;
import dev.tollgate.xds.XdsTranslator;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.client.CustomResource;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
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
 * The gateway as the operator sees it: builds the GatewayModel from the informer caches, publishes
 * its xDS to the ADS server when its version changes, follows what each Envoy node acknowledged,
 * and triggers a reconcile of every resource whose status is no longer what the model and the Envoy
 * fleet say. Reconcilers only read from it.
 *
 * <p>Changes are coalesced: a burst of changes (a {@code kubectl apply} of a folder) becomes one
 * build and one published version. Every replica builds and publishes, so any replica can serve
 * Envoy the same content-hashed version; only the leader writes status and Events.
 *
 * <p>Thread-safe: builds, publishing and evaluation run on one thread; readers see an immutable
 * {@link GatewayView}.
 */
final class GatewayState implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GatewayState.class);

  /** Most resources told about one change by an Event each; the log has the rest. */
  static final int MAX_EVENTS_PER_CHANGE = 20;

  private final ResourceCaches caches;
  private final XdsTranslator translator;
  private final AdsServer ads;
  private final String nodeGroup;
  private final EventRecorder events;
  private final OperatorMetrics metrics;
  private final Clock clock;
  private final Duration coalesce;
  private final Duration grace;
  private final Duration resync;
  private final ObjectReference operatorPod;
  private final ScheduledExecutorService executor;
  private final Map<String, SimpleInboundEventSource<?>> triggers = new ConcurrentHashMap<>();
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private final AtomicBoolean rebuildRequested = new AtomicBoolean();
  private final PublishedVersions versions = new PublishedVersions();
  private final Map<String, Nack> seenNacks = new HashMap<>();
  private final List<Consumer<GatewayModel>> modelListeners = new CopyOnWriteArrayList<>();
  private volatile boolean started;
  private volatile Instant startedAt = Instant.MAX;
  private volatile GatewayView view;

  /**
   * Creates the state; nothing is built before {@link #start()}.
   *
   * @param caches where the resources are read
   * @param translator turns a model into xDS
   * @param ads where xDS is published
   * @param nodeGroup the Envoy node group published to
   * @param events where Events go
   * @param metrics where metrics go
   * @param clock the time of conditions and Events
   * @param coalesce how long to wait for more changes before building
   * @param grace after start, how long a Programmed condition is kept while no Envoy is connected
   * @param resync how often statuses are compared with the model without a change
   * @param operatorPod the operator's own Pod, for Events about the whole configuration, or null
   */
  GatewayState(
      ResourceCaches caches,
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
    this.events = events;
    this.metrics = metrics;
    this.clock = clock;
    this.coalesce = coalesce;
    this.grace = grace;
    this.resync = resync;
    this.operatorPod = operatorPod;
    this.executor =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "tollgate-gateway-state");
              t.setDaemon(true);
              return t;
            });
    ads.tracker().addListener(this::onNodeStatus);
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
      executor.submit(this::rebuild).get();
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
   * services: processor, rate-limit service), at once with the current one if there is one. Called
   * on the state's thread, after Envoy's configuration was handed to the ADS server.
   */
  void addModelListener(Consumer<GatewayModel> listener) {
    try {
      executor
          .submit(
              () -> {
                modelListeners.add(listener);
                GatewayView v = view;
                if (v != null && v.publishProblem() == null) {
                  notifyListener(listener, v.model());
                }
              })
          .get();
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot register a model listener", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while registering a model listener", e);
    }
  }

  private static void notifyListener(Consumer<GatewayModel> listener, GatewayModel model) {
    try {
      listener.accept(model);
    } catch (RuntimeException e) {
      LOG.error("a model listener failed on version {}", model.version(), e);
    }
  }

  /** Asks for a new model; coalesced with other requests. */
  void requestRebuild() {
    rebuildRequested.set(true);
    schedule();
  }

  /** Asks for a comparison of every status with the model; coalesced with other requests. */
  void requestEvaluate() {
    schedule();
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
              .filter(c -> generation(resource) == orZero(c.getObservedGeneration()));
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

  private void schedule() {
    if (started && scheduled.compareAndSet(false, true)) {
      try {
        executor.schedule(this::runRequested, coalesce.toMillis(), TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException e) {
        scheduled.set(false);
      }
    }
  }

  private void runRequested() {
    scheduled.set(false);
    try {
      if (rebuildRequested.getAndSet(false)) {
        rebuild();
      } else {
        evaluate();
      }
    } catch (RuntimeException e) {
      // The executor would otherwise swallow the error; the next change or resync retries.
      LOG.error("cannot update the gateway model", e);
    }
  }

  private void rebuild() {
    GatewayView previous = view;
    ResourceSnapshot snapshot = caches.snapshot();
    Timer.Sample sample = Timer.start();
    GatewayModel model = GatewayModelBuilder.build(snapshot);
    PublishedVersions.Publication publication;
    String problem;
    ConfigChanges changes = null;
    if (previous == null || !previous.model().version().equals(model.version())) {
      XdsResources xds = translator.translate(model);
      problem = null;
      try {
        ads.publish(nodeGroup, xds);
        metrics.published(true);
      } catch (IllegalArgumentException e) {
        problem = e.getMessage();
        metrics.published(false);
        LOG.error("configuration version {} not published: {}", model.version(), problem);
      }
      publication = versions.record(model);
      changes = ConfigChanges.between(previous == null ? null : previous.model(), model);
    } else {
      publication = previous.publication();
      problem = previous.publishProblem();
    }
    sample.stop(metrics.modelBuild());
    Map<ResourceRef, ResourceStatusReport> reports = new HashMap<>();
    model.statuses().forEach(r -> reports.put(r.resource(), r));
    Map<ResourceRef, String> identities = new HashMap<>();
    Map<ResourceRef, ObjectReference> references = new HashMap<>();
    for (HasMetadata object : primaries(snapshot)) {
      identities.put(refOf(object), identity(object));
      references.put(refOf(object), EventRecorder.reference(object));
    }
    GatewayView next =
        new GatewayView(model, reports, identities, references, publication, problem);
    view = next;
    countResources(model);
    if (changes != null && problem == null) {
      for (Consumer<GatewayModel> listener : modelListeners) {
        notifyListener(listener, model);
      }
    }
    if (changes != null) {
      announce(changes, previous, next);
    }
    evaluate();
  }

  private void announce(ConfigChanges changes, GatewayView previous, GatewayView next) {
    if (previous == null) {
      String line =
          "configuration version "
              + changes.version()
              + " published at start ("
              + changes.totals()
              + ")";
      LOG.info(line);
      if (operatorPod != null) {
        events.record(operatorPod, EventRecorder.NORMAL, "ConfigurationPublished", line);
      }
      return;
    }
    LOG.info(changes.summary());
    if (operatorPod != null) {
      events.record(operatorPod, EventRecorder.NORMAL, "ConfigurationPublished", changes.summary());
    }
    for (ConfigChanges.Change change :
        changes.changes().subList(0, Math.min(MAX_EVENTS_PER_CHANGE, changes.changes().size()))) {
      ObjectReference about = next.references().get(change.resource());
      boolean exists = about != null;
      if (about == null) {
        about = previous.references().get(change.resource());
      }
      if (about != null) {
        events.record(
            about,
            EventRecorder.NORMAL,
            "ConfigurationPublished",
            changes.describe(change, exists));
      }
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
      announceRejection(status.nodeId(), nack.get());
    }
    requestEvaluate();
  }

  private void announceRejection(String node, Nack nack) {
    String message =
        "Envoy node "
            + node
            + " rejected configuration version "
            + nack.version()
            + " and keeps running its previous configuration: "
            + EnvoyRejection.describe(nack.typeUrl(), nack.message());
    GatewayView v = view;
    List<ObjectReference> about = new ArrayList<>();
    if (v != null) {
      v.publication().since().entrySet().stream()
          .filter(e -> e.getValue().version().equals(nack.version()))
          .map(e -> v.references().get(e.getKey()))
          .filter(Objects::nonNull)
          .sorted(Comparator.comparing(r -> r.getNamespace() + "/" + r.getName()))
          .limit(MAX_EVENTS_PER_CHANGE)
          .forEach(about::add);
    }
    if (operatorPod != null) {
      about.add(operatorPod);
    }
    for (ObjectReference reference : about) {
      events.record(reference, EventRecorder.WARNING, "ConfigurationRejected", message);
    }
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

  private void countResources(GatewayModel model) {
    Map<String, long[]> counts = new HashMap<>();
    for (String kind : List.of("ModelProvider", "AIRoute", "TokenQuota")) {
      counts.put(kind, new long[2]);
    }
    for (ResourceStatusReport report : model.statuses()) {
      counts
          .computeIfAbsent(report.resource().kind(), k -> new long[2])[report.accepted() ? 0 : 1]++;
    }
    counts.forEach((kind, c) -> metrics.resources(kind, c[0], c[1]));
  }

  private static List<HasMetadata> primaries(ResourceSnapshot snapshot) {
    List<HasMetadata> all = new ArrayList<>();
    all.addAll(snapshot.providers());
    all.addAll(snapshot.routes());
    all.addAll(snapshot.quotas());
    return all;
  }

  /** Returns the status conditions of a Tollgate resource. */
  static List<Condition> conditionsOf(HasMetadata resource) {
    if (resource instanceof CustomResource<?, ?> custom
        && custom.getStatus() instanceof ResourceStatus status
        && status.conditions != null) {
      return status.conditions;
    }
    return List.of();
  }

  static ResourceRef refOf(HasMetadata resource) {
    return new ResourceRef(
        resource.getKind(),
        resource.getMetadata().getNamespace(),
        resource.getMetadata().getName());
  }

  static long generation(HasMetadata resource) {
    return orZero(resource.getMetadata().getGeneration());
  }

  private static long orZero(Long value) {
    return value == null ? 0 : value;
  }

  private static String identity(HasMetadata resource) {
    return resource.getMetadata().getUid() + "@" + generation(resource);
  }

  @Override
  public void close() {
    started = false;
    executor.shutdownNow();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
