package dev.tollgate.model;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import java.util.List;
import java.util.Map;

/** Evaluates Kubernetes label selectors (matchLabels and matchExpressions). */
final class LabelSelectors {
  private LabelSelectors() {}

  /** Returns whether the labels match; a null or empty selector matches everything. */
  static boolean matches(LabelSelector selector, Map<String, String> labels) {
    if (selector == null) {
      return true;
    }
    Map<String, String> safeLabels = labels == null ? Map.of() : labels;
    if (selector.getMatchLabels() != null) {
      for (var entry : selector.getMatchLabels().entrySet()) {
        if (!entry.getValue().equals(safeLabels.get(entry.getKey()))) {
          return false;
        }
      }
    }
    if (selector.getMatchExpressions() != null) {
      for (LabelSelectorRequirement requirement : selector.getMatchExpressions()) {
        if (!matches(requirement, safeLabels)) {
          return false;
        }
      }
    }
    return true;
  }

  /** Returns a problem text for an unusable selector, or null when it is valid. */
  static String validate(LabelSelector selector) {
    if (selector == null || selector.getMatchExpressions() == null) {
      return null;
    }
    for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
      String op = r.getOperator();
      List<String> values = r.getValues() == null ? List.of() : r.getValues();
      if (r.getKey() == null || r.getKey().isEmpty()) {
        return "matchExpressions[].key is required";
      }
      if (op == null || !List.of("In", "NotIn", "Exists", "DoesNotExist").contains(op)) {
        return "matchExpressions[].operator must be In, NotIn, Exists or DoesNotExist";
      }
      if ((op.equals("In") || op.equals("NotIn")) && values.isEmpty()) {
        return "matchExpressions[].values must not be empty for " + op;
      }
      if ((op.equals("Exists") || op.equals("DoesNotExist")) && !values.isEmpty()) {
        return "matchExpressions[].values must be empty for " + op;
      }
    }
    return null;
  }

  private static boolean matches(LabelSelectorRequirement r, Map<String, String> labels) {
    String value = labels.get(r.getKey());
    List<String> values = r.getValues() == null ? List.of() : r.getValues();
    return switch (r.getOperator()) {
      case "In" -> value != null && values.contains(value);
      case "NotIn" -> value == null || !values.contains(value);
      case "Exists" -> value != null;
      case "DoesNotExist" -> value == null;
      default -> false;
    };
  }
}
