package dev.tollgate.operator;

import io.fabric8.kubernetes.api.model.Condition;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Turns computed conditions into the conditions written to a resource's status: stamps {@code
 * observedGeneration}, keeps a condition's {@code lastTransitionTime} while its status stays the
 * same, and tells whether anything changed so that writes that change nothing are skipped.
 *
 * <p>Pure functions; thread-safe.
 */
public final class StatusConditions {
  private StatusConditions() {}

  /**
   * Merges computed conditions into the current ones.
   *
   * @param current the conditions now in the resource's status, possibly null
   * @param desired the computed conditions, in the order they are written
   * @param observedGeneration the generation the computed conditions describe
   * @param now the time of a transition
   * @return the conditions to write: exactly {@code desired}, in its order
   */
  public static List<Condition> merge(
      List<Condition> current,
      List<dev.tollgate.model.Condition> desired,
      long observedGeneration,
      Instant now) {
    List<Condition> merged = new ArrayList<>(desired.size());
    for (dev.tollgate.model.Condition want : desired) {
      Optional<Condition> existing = find(current, want.type());
      String transition =
          existing
              .filter(c -> want.status().equals(c.getStatus()) && c.getLastTransitionTime() != null)
              .map(Condition::getLastTransitionTime)
              .orElse(timestamp(now));
      merged.add(
          new Condition(
              transition,
              want.message(),
              observedGeneration,
              want.reason(),
              want.status(),
              want.type()));
    }
    return merged;
  }

  /**
   * Returns whether two condition lists hold the same conditions in the same order, comparing every
   * field a person sees (type, status, reason, message, observed generation, transition time).
   */
  public static boolean same(List<Condition> a, List<Condition> b) {
    List<Condition> left = a == null ? List.of() : a;
    List<Condition> right = b == null ? List.of() : b;
    if (left.size() != right.size()) {
      return false;
    }
    for (int i = 0; i < left.size(); i++) {
      Condition x = left.get(i);
      Condition y = right.get(i);
      if (!Objects.equals(x.getType(), y.getType())
          || !Objects.equals(x.getStatus(), y.getStatus())
          || !Objects.equals(x.getReason(), y.getReason())
          || !Objects.equals(x.getMessage(), y.getMessage())
          || !Objects.equals(x.getObservedGeneration(), y.getObservedGeneration())
          || !Objects.equals(x.getLastTransitionTime(), y.getLastTransitionTime())) {
        return false;
      }
    }
    return true;
  }

  /**
   * Returns whether the current conditions already say what the computed ones say, ignoring
   * transition times: if so, there is nothing to write.
   */
  public static boolean satisfied(
      List<Condition> current, List<dev.tollgate.model.Condition> desired, long generation) {
    return same(merge(current, desired, generation, Instant.EPOCH), current);
  }

  /** Returns the condition of a type, if present. */
  public static Optional<Condition> find(List<Condition> conditions, String type) {
    if (conditions == null) {
      return Optional.empty();
    }
    return conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  /** Formats a time as Kubernetes does (RFC 3339, whole seconds, UTC). */
  public static String timestamp(Instant instant) {
    return instant.truncatedTo(ChronoUnit.SECONDS).toString();
  }
}
