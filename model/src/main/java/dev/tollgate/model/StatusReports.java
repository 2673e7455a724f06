package dev.tollgate.model;

import dev.tollgate.api.v1alpha1.AIRoute;
import dev.tollgate.api.v1alpha1.TokenQuota;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns each resource's problems into its {@code Accepted} and {@code ResolvedRefs} conditions.
 *
 * <p>Problems of the spec itself (invalid) take a resource out of service; unresolved references do
 * too, except the ones that only cost a route some clients or a quota some routes. Not thread-safe.
 */
final class StatusReports {
  private static final int MAX_MESSAGE_LENGTH = 2000;

  private final Map<ResourceRef, ResourceStatusReport> reports = new TreeMap<>();
  private final Map<ResourceRef, String> acceptedDetails = new TreeMap<>();

  /** Adds a detail to the Accepted=True message of a resource reported after this call. */
  void acceptedDetail(ResourceRef ref, String detail) {
    acceptedDetails.put(ref, detail);
  }

  /** Records the conditions of a resource from its invalid fields and unresolved references. */
  void report(HasMetadata resource, List<Problem> invalid, List<Problem> refs) {
    report(resource, invalid, refs, !blocksAcceptance(resource, refs));
  }

  /**
   * Records the conditions of a resource; {@code servedDespiteRefs} says whether unresolved
   * references leave it in service (a route that lost some backends but kept others).
   */
  void report(
      HasMetadata resource, List<Problem> invalid, List<Problem> refs, boolean servedDespiteRefs) {
    ResourceRef ref = BuildContext.ref(resource);
    Long generation = resource.getMetadata().getGeneration();
    List<Condition> conditions = new ArrayList<>();
    if (invalid.isEmpty() && (refs.isEmpty() || servedDespiteRefs)) {
      conditions.add(
          Condition.isTrue(
              Condition.ACCEPTED,
              Reasons.ACCEPTED,
              acceptedDetails.containsKey(ref)
                  ? acceptedMessage(resource) + "; " + acceptedDetails.get(ref)
                  : acceptedMessage(resource)));
    } else if (!invalid.isEmpty()) {
      conditions.add(Condition.isFalse(Condition.ACCEPTED, invalid.get(0).reason(), join(invalid)));
    } else {
      conditions.add(
          Condition.isFalse(
              Condition.ACCEPTED,
              Reasons.UNRESOLVED_REFS,
              "not programmed because references do not resolve: see ResolvedRefs"));
    }
    if (refs.isEmpty()) {
      conditions.add(
          Condition.isTrue(
              Condition.RESOLVED_REFS, Reasons.RESOLVED_REFS, "all references resolve"));
    } else {
      conditions.add(Condition.isFalse(Condition.RESOLVED_REFS, refs.get(0).reason(), join(refs)));
    }
    reports.put(
        ref,
        new ResourceStatusReport(
            ref, generation == null ? 0 : generation, List.copyOf(conditions)));
  }

  /** Returns every report, ordered by resource. */
  List<ResourceStatusReport> all() {
    return List.copyOf(reports.values());
  }

  /** Returns the problems without repeats, in their first order. */
  static List<Problem> dedupe(List<Problem> problems) {
    return problems.stream().distinct().toList();
  }

  /** Client and quota route problems leave the resource in service; the rest take it out. */
  private static boolean blocksAcceptance(HasMetadata resource, List<Problem> refs) {
    if (resource instanceof TokenQuota) {
      return false;
    }
    return refs.stream()
        .anyMatch(
            p ->
                !p.reason().equals(Reasons.INVALID_CLIENT_KEY)
                    && !p.reason().equals(Reasons.CLIENT_KEY_NOT_WATCHED)
                    && !p.reason().equals(Reasons.CONFLICTED));
  }

  private static String acceptedMessage(HasMetadata resource) {
    if (resource instanceof TokenQuota) {
      return "budgets are valid";
    }
    return resource instanceof AIRoute ? "route is valid" : "provider is valid";
  }

  private static String join(List<Problem> problems) {
    List<String> lines = dedupe(problems).stream().map(Problem::describe).toList();
    String text = String.join("; ", lines);
    return text.length() <= MAX_MESSAGE_LENGTH ? text : text.substring(0, 1990) + " (more...)";
  }
}
