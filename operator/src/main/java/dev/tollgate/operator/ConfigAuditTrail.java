package dev.tollgate.operator;

import dev.tollgate.ledger.AuditRecord;
import dev.tollgate.model.GatewayModel;
import dev.tollgate.model.ResourceRef;
import dev.tollgate.model.source.ResourceSnapshot;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns one published configuration version into its audit record: the resources whose part of
 * Envoy's configuration was added, changed or removed (as in the {@code ConfigurationPublished}
 * Events), each with the generation it had in the snapshot the version was built from.
 */
public final class ConfigAuditTrail {
  private ConfigAuditTrail() {}

  /**
   * The record of publishing {@code after} in place of {@code before}.
   *
   * @param before the version published before, or null for the first
   * @param after the version published
   * @param snapshot the resources {@code after} was built from, for their generations
   * @param nodeGroup the Envoy node group it was published to
   * @param problem why it could not be published, or null
   * @param at when
   */
  public static AuditRecord record(
      GatewayModel before,
      GatewayModel after,
      ResourceSnapshot snapshot,
      String nodeGroup,
      String problem,
      Instant at) {
    Map<ResourceRef, Long> generations = new HashMap<>();
    put(generations, "ModelProvider", snapshot.providers());
    put(generations, "AIRoute", snapshot.routes());
    put(generations, "TokenQuota", snapshot.quotas());
    List<AuditRecord.Change> changes = new ArrayList<>();
    for (ConfigChanges.Change c : ConfigChanges.between(before, after).changes()) {
      ResourceRef ref = c.resource();
      changes.add(
          new AuditRecord.Change(
              AuditRecord.What.valueOf(c.what().name()),
              ref.kind(),
              ref.namespace(),
              ref.name(),
              generations.get(ref)));
    }
    return new AuditRecord(
        at, nodeGroup, after.version(), before == null ? null : before.version(), changes, problem);
  }

  private static void put(
      Map<ResourceRef, Long> generations, String kind, List<? extends HasMetadata> resources) {
    for (HasMetadata r : resources) {
      generations.put(
          new ResourceRef(kind, r.getMetadata().getNamespace(), r.getMetadata().getName()),
          r.getMetadata().getGeneration());
    }
  }
}
