package dev.tollgate.operator;

import dev.tollgate.model.GatewayModel;
import dev.tollgate.model.ResourceRef;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * What changed in Envoy's configuration between two published models, per resource: the audit trail
 * behind the {@code ConfigurationPublished} Events.
 *
 * @param version the new configuration version
 * @param changes resources added to, changed in or removed from the configuration, sorted
 * @param totals e.g. {@code 3 providers, 3 routes, 3 quotas}
 */
record ConfigChanges(String version, List<Change> changes, String totals) {
  /** How a resource's part of the configuration changed. */
  enum What {
    ADDED,
    CHANGED,
    REMOVED
  }

  /**
   * One resource's change.
   *
   * @param resource the resource
   * @param what how its part changed
   */
  record Change(ResourceRef resource, What what) {}

  ConfigChanges {
    changes = List.copyOf(changes);
  }

  /** Compares two models; {@code before} is null for the first model published. */
  static ConfigChanges between(GatewayModel before, GatewayModel after) {
    Map<ResourceRef, Object> old = before == null ? Map.of() : forms(before);
    Map<ResourceRef, Object> now = forms(after);
    List<Change> changes = new ArrayList<>();
    TreeSet<ResourceRef> all = new TreeSet<>(old.keySet());
    all.addAll(now.keySet());
    for (ResourceRef ref : all) {
      Object was = old.get(ref);
      Object is = now.get(ref);
      if (was == null) {
        changes.add(new Change(ref, What.ADDED));
      } else if (is == null) {
        changes.add(new Change(ref, What.REMOVED));
      } else if (!was.equals(is)) {
        changes.add(new Change(ref, What.CHANGED));
      }
    }
    String totals =
        count(after.providers().size(), "provider")
            + ", "
            + count(after.routes().size(), "route")
            + ", "
            + count(after.quotas().size(), "quota")
            + ", "
            + count(after.clients().size(), "client key");
    return new ConfigChanges(after.version(), changes, totals);
  }

  /** Says what happened to one resource, for an Event about it. */
  String describe(Change change, boolean stillExists) {
    String what =
        switch (change.what()) {
          case ADDED -> "added to Envoy's configuration";
          case CHANGED -> "changed in Envoy's configuration";
          case REMOVED ->
              "removed from Envoy's configuration"
                  + (stillExists ? " (no longer accepted)" : " (deleted)");
        };
    return change.resource() + " " + what + ": version " + version + " published (" + totals + ")";
  }

  /** Summarises the whole change in one line, for the log and the operator's own Events. */
  String summary() {
    if (changes.isEmpty()) {
      return "configuration version "
          + version
          + " published ("
          + totals
          + "): no route, provider or quota changed";
    }
    List<String> parts = new ArrayList<>();
    for (What what : What.values()) {
      List<String> names =
          changes.stream().filter(c -> c.what() == what).map(c -> c.resource().toString()).toList();
      if (!names.isEmpty()) {
        parts.add(
            what.name().toLowerCase(Locale.ROOT)
                + " "
                + String.join(", ", names.subList(0, Math.min(10, names.size())))
                + (names.size() > 10 ? " and " + (names.size() - 10) + " more" : ""));
      }
    }
    return "configuration version "
        + version
        + " published ("
        + totals
        + "): "
        + String.join("; ", parts);
  }

  /**
   * The part of the model each accepted resource contributes (the model holds accepted resources
   * only): what Envoy must run for it. Client keys are left out: they reach the processor, not
   * Envoy.
   */
  static Map<ResourceRef, Object> forms(GatewayModel model) {
    Map<ResourceRef, Object> forms = new HashMap<>();
    for (GatewayModel.Provider p : model.providers()) {
      forms.put(new ResourceRef("ModelProvider", p.namespace(), p.name()), p);
    }
    for (GatewayModel.Route r : model.routes()) {
      forms.put(new ResourceRef("AIRoute", r.namespace(), r.name()), r);
    }
    for (GatewayModel.Quota q : model.quotas()) {
      forms.put(new ResourceRef("TokenQuota", q.namespace(), q.name()), q);
    }
    return forms;
  }

  private static String count(int n, String noun) {
    return n + " " + noun + (n == 1 ? "" : "s");
  }
}
