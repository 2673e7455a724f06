package dev.tollgate.operator;

import dev.tollgate.api.v1alpha1.ResourceStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.CustomResource;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * What the three reconcilers share: ask the gateway state what a resource's conditions should be,
 * merge them into its status, and patch the status only when something changed, on a fresh object
 * that holds nothing but identity and status. Deletions (the controllers see every event) and
 * resources the model was not built from yet ask the gateway state for a new model instead.
 *
 * @param <R> the resource type
 * @param <S> its status type
 */
abstract class GatewayResourceReconciler<R extends CustomResource<?, S>, S extends ResourceStatus>
    implements Reconciler<R> {
  private final Class<R> type;
  private final String kind;
  protected final GatewayState state;
  private final EventRecorder events;
  private final OperatorMetrics metrics;
  protected final Clock clock;

  GatewayResourceReconciler(
      Class<R> type,
      String kind,
      GatewayState state,
      EventRecorder events,
      OperatorMetrics metrics,
      Clock clock) {
    this.type = type;
    this.kind = kind;
    this.state = state;
    this.events = events;
    this.metrics = metrics;
    this.clock = clock;
  }

  /** Returns an empty resource of this kind. */
  protected abstract R newResource();

  /** Returns the status to write: the merged conditions plus anything the kind adds. */
  protected abstract S statusOf(R resource, List<Condition> conditions, boolean accepted);

  /** Returns whether the parts of two statuses other than conditions are the same. */
  protected boolean sameExtras(S current, S next) {
    return true;
  }

  /** Lets a kind forget what it kept about a deleted resource. */
  protected void deleted(R resource) {}

  /** Lets a kind ask for a later reconcile, e.g. to refresh usage. */
  protected UpdateControl<R> schedule(UpdateControl<R> control, R resource, boolean accepted) {
    return control;
  }

  @Override
  public List<EventSource<?, R>> prepareEventSources(EventSourceContext<R> context) {
    state.caches().attach(type, context.getPrimaryCache());
    SimpleInboundEventSource<R> trigger = new SimpleInboundEventSource<>("gateway-model");
    state.registerTrigger(kind, trigger);
    return List.of(trigger);
  }

  @Override
  public UpdateControl<R> reconcile(R resource, Context<R> context) {
    if (context.isPrimaryResourceDeleted()) {
      deleted(resource);
      state.requestRebuild();
      return UpdateControl.noUpdate();
    }
    List<Condition> current = ResourceMetadata.conditionsOf(resource);
    Optional<List<dev.tollgate.model.Condition>> desired = state.desired(resource, current);
    if (desired.isEmpty()) {
      // The model predates this object or its spec; the rebuild triggers this reconcile again.
      state.requestRebuild();
      return UpdateControl.noUpdate();
    }
    boolean accepted =
        desired.get().stream().anyMatch(c -> c.type().equals("Accepted") && c.holds());
    List<Condition> merged =
        StatusConditions.merge(
            current, desired.get(), ResourceMetadata.generation(resource), clock.instant());
    S next = statusOf(resource, merged, accepted);
    if (StatusConditions.same(merged, current) && sameExtras(resource.getStatus(), next)) {
      metrics.statusWrite(kind, false);
      return schedule(UpdateControl.noUpdate(), resource, accepted);
    }
    for (ConditionEvents.Announcement event : ConditionEvents.between(current, merged)) {
      events.record(resource, event.type(), event.reason(), event.message());
    }
    R fresh = newResource();
    fresh.setMetadata(
        new ObjectMetaBuilder()
            .withName(resource.getMetadata().getName())
            .withNamespace(resource.getMetadata().getNamespace())
            .build());
    fresh.setStatus(next);
    metrics.statusWrite(kind, true);
    return schedule(UpdateControl.patchStatus(fresh), resource, accepted);
  }
}
