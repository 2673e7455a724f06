package dev.tollgate.operator;

import dev.tollgate.api.v1alpha1.ModelProvider;
import dev.tollgate.api.v1alpha1.ResourceStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import java.time.Clock;
import java.util.List;

/** Keeps each ModelProvider's status conditions in line with the gateway model and Envoy. */
@ControllerConfiguration(name = "modelprovider", triggerReconcilerOnAllEvents = true)
public final class ModelProviderReconciler
    extends GatewayResourceReconciler<ModelProvider, ResourceStatus> {

  ModelProviderReconciler(
      GatewayState state, EventRecorder events, OperatorMetrics metrics, Clock clock) {
    super(ModelProvider.class, "ModelProvider", state, events, metrics, clock);
  }

  @Override
  protected ModelProvider newResource() {
    return new ModelProvider();
  }

  @Override
  protected ResourceStatus statusOf(
      ModelProvider resource, List<Condition> conditions, boolean accepted) {
    ResourceStatus status = new ResourceStatus();
    status.conditions = conditions;
    return status;
  }
}
