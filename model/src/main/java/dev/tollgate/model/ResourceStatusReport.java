package dev.tollgate.model;

import java.util.List;

/**
 * The computed conditions of one resource.
 *
 * @param resource the resource
 * @param observedGeneration the generation the conditions were computed from
 * @param conditions Accepted and ResolvedRefs, in that order
 */
public record ResourceStatusReport(
    ResourceRef resource, long observedGeneration, List<Condition> conditions) {

  /** Returns whether the resource is accepted and so part of the configuration. */
  public boolean accepted() {
    return conditions.stream().anyMatch(c -> c.type().equals(Condition.ACCEPTED) && c.holds());
  }
}
