package dev.tollgate.operator;

import dev.tollgate.model.GatewayModel;
import dev.tollgate.model.ResourceRef;
import dev.tollgate.model.ResourceStatusReport;
import dev.tollgate.model.source.ResourceSnapshot;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReference;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The gateway as last built: the model, which object (uid and generation) each status report
 * describes, and what was published to Envoy.
 *
 * @param model the model built from the caches
 * @param reports each resource's computed conditions
 * @param identities each resource's uid and generation the model was built from
 * @param references each resource, for Events about it
 * @param publication the published versions
 * @param publishProblem why the latest version could not be published, or null
 */
record GatewayView(
    GatewayModel model,
    Map<ResourceRef, ResourceStatusReport> reports,
    Map<ResourceRef, String> identities,
    Map<ResourceRef, ObjectReference> references,
    PublishedVersions.Publication publication,
    String publishProblem) {

  GatewayView {
    reports = Map.copyOf(reports);
    identities = Map.copyOf(identities);
    references = Map.copyOf(references);
  }

  /** Returns the view of a model built from a snapshot. */
  static GatewayView of(
      ResourceSnapshot snapshot,
      GatewayModel model,
      PublishedVersions.Publication publication,
      String publishProblem) {
    Map<ResourceRef, ResourceStatusReport> reports = new HashMap<>();
    model.statuses().forEach(r -> reports.put(r.resource(), r));
    Map<ResourceRef, String> identities = new HashMap<>();
    Map<ResourceRef, ObjectReference> references = new HashMap<>();
    List<HasMetadata> primaries = new ArrayList<>();
    primaries.addAll(snapshot.providers());
    primaries.addAll(snapshot.routes());
    primaries.addAll(snapshot.quotas());
    for (HasMetadata object : primaries) {
      ResourceRef ref = ResourceMetadata.refOf(object);
      identities.put(ref, ResourceMetadata.identity(object));
      references.put(ref, EventRecorder.reference(object));
    }
    return new GatewayView(model, reports, identities, references, publication, publishProblem);
  }
}
