package dev.tollgate.operator;

import dev.tollgate.model.GatewayModel;
import dev.tollgate.model.ResourceRef;
import dev.tollgate.model.ResourceStatusReport;
import io.fabric8.kubernetes.api.model.ObjectReference;
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
}
