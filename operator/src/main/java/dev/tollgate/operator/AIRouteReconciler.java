package dev.tollgate.operator;

import dev.tollgate.api.v1alpha1.AIRoute;
import dev.tollgate.api.v1alpha1.ResourceStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import java.time.Clock;
import java.util.List;

/** Keeps each AIRoute's status conditions in line with the gateway model and Envoy. */
@ControllerConfiguration(name = "airoute", triggerReconcilerOnAllEvents = true)
public final class AIRouteReconciler extends GatewayResourceReconciler<AIRoute, ResourceStatus> {

  AIRouteReconciler(
      GatewayState state, EventRecorder events, OperatorMetrics metrics, Clock clock) {
    super(AIRoute.class, "AIRoute", state, events, metrics, clock);
  }

  @Override
  protected AIRoute newResource() {
    return new AIRoute();
  }

  @Override
  protected ResourceStatus statusOf(
      AIRoute resource, List<Condition> conditions, boolean accepted) {
    ResourceStatus status = new ResourceStatus();
    status.conditions = conditions;
    return status;
  }
}
