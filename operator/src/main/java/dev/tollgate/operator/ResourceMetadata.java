package dev.tollgate.operator;

import dev.tollgate.api.v1alpha1.ResourceStatus;
import dev.tollgate.model.ResourceRef;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.CustomResource;
import java.util.List;

/** What the operator reads off a Tollgate resource's metadata and status, null-safe. */
final class ResourceMetadata {
  private ResourceMetadata() {}

  /** Returns the status conditions of a Tollgate resource. */
  static List<Condition> conditionsOf(HasMetadata resource) {
    if (resource instanceof CustomResource<?, ?> custom
        && custom.getStatus() instanceof ResourceStatus status
        && status.conditions != null) {
      return status.conditions;
    }
    return List.of();
  }

  /** Returns the model's reference to a resource. */
  static ResourceRef refOf(HasMetadata resource) {
    return new ResourceRef(
        resource.getKind(),
        resource.getMetadata().getNamespace(),
        resource.getMetadata().getName());
  }

  /** Returns the resource's generation, 0 when unset. */
  static long generation(HasMetadata resource) {
    return orZero(resource.getMetadata().getGeneration());
  }

  /** Returns which object and spec the resource is: its uid and generation. */
  static String identity(HasMetadata resource) {
    return resource.getMetadata().getUid() + "@" + generation(resource);
  }

  static long orZero(Long value) {
    return value == null ? 0 : value;
  }
}
