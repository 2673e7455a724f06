package dev.tollgate.operator;

import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Decides which Events a status change deserves: one when a resource becomes accepted, rejected or
 * left with unresolved references, and one when it becomes programmed. Rejections by Envoy are
 * announced by the gateway state, which knows the node and version.
 *
 * <p>Pure functions; thread-safe.
 */
final class ConditionEvents {
  /**
   * An Event to record.
   *
   * @param type Normal or Warning
   * @param reason a CamelCase reason
   * @param message what a person should know
   */
  record Announcement(String type, String reason, String message) {}

  private ConditionEvents() {}

  /** Returns the Events for a change of conditions from {@code before} to {@code after}. */
  static List<Announcement> between(List<Condition> before, List<Condition> after) {
    List<Announcement> out = new ArrayList<>();
    Optional<Condition> accepted = StatusConditions.find(after, "Accepted");
    Optional<Condition> resolved = StatusConditions.find(after, "ResolvedRefs");
    if (accepted.isPresent()
        && resolved.isPresent()
        && (changed(before, accepted.get(), true) || changed(before, resolved.get(), true))) {
      Condition a = accepted.get();
      Condition r = resolved.get();
      if (!"True".equals(a.getStatus())) {
        String message = a.getMessage();
        if (!"True".equals(r.getStatus())) {
          message = message + " (" + r.getMessage() + ")";
        }
        out.add(new Announcement(EventRecorder.WARNING, "Rejected", message));
      } else if (!"True".equals(r.getStatus())) {
        out.add(new Announcement(EventRecorder.WARNING, "RefsNotResolved", r.getMessage()));
      } else {
        out.add(
            new Announcement(
                EventRecorder.NORMAL, "Accepted", a.getMessage() + "; all references resolve"));
      }
    }
    Optional<Condition> programmed = StatusConditions.find(after, ProgrammedCondition.TYPE);
    if (programmed.isPresent()
        && "True".equals(programmed.get().getStatus())
        && changed(before, programmed.get(), false)) {
      out.add(new Announcement(EventRecorder.NORMAL, "Programmed", programmed.get().getMessage()));
    }
    return out;
  }

  /**
   * Whether a condition's status or reason (or message) differs from the one of its type before.
   */
  private static boolean changed(List<Condition> before, Condition now, boolean message) {
    return StatusConditions.find(before, now.getType())
        .map(
            old ->
                !Objects.equals(old.getStatus(), now.getStatus())
                    || !Objects.equals(old.getReason(), now.getReason())
                    || (message && !Objects.equals(old.getMessage(), now.getMessage())))
        .orElse(true);
  }
}
