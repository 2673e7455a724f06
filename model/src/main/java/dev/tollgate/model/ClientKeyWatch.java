package dev.tollgate.model;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which Secrets the processor reads client keys from: the label selector of its {@code
 * --client-key-selector} (chart {@code watch.clientKeySelector}), in the Kubernetes label-selector
 * syntax ({@code key=value}, {@code key!=value}, {@code key in (a,b)}, {@code key notin (a,b)},
 * {@code key}, {@code !key}, comma-separated). The operator is told the same selector, so that a
 * route whose client Secrets lack it learns why its keys get 401 ({@code ClientKeyNotWatched}).
 *
 * @param text the selector as given, stripped; blank when every Secret is read
 * @param selector the parsed requirements, all of which a Secret's labels must meet
 */
public record ClientKeyWatch(String text, LabelSelector selector) {
  /** The processor reads every Secret: no client Secret is left out. */
  public static final ClientKeyWatch EVERY_SECRET = new ClientKeyWatch("", new LabelSelector());

  /** The label {@code tollgate keys create} writes; the processor's and operator's default. */
  public static final String DEFAULT_SELECTOR = "tollgate.dev/client-key=true";

  /** The setting, as status messages cite it. */
  public static final String SETTING =
      "the processor's --client-key-selector (chart: watch.clientKeySelector)";

  private static final String KEY = "[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?";
  private static final String VALUE = "([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?";
  private static final Pattern EQUALS =
      Pattern.compile("(" + KEY + ")\\s*(==|=|!=)\\s*(" + VALUE + ")");
  private static final Pattern SET =
      Pattern.compile("(" + KEY + ")\\s+(in|notin)\\s*\\(([^()]*)\\)");
  private static final Pattern EXISTS = Pattern.compile("(!?)\\s*(" + KEY + ")");

  /**
   * Parses a selector; blank means every Secret.
   *
   * @throws IllegalArgumentException naming the requirement that cannot be read
   */
  public static ClientKeyWatch parse(String text) {
    String stripped = text == null ? "" : text.strip();
    if (stripped.isEmpty()) {
      return EVERY_SECRET;
    }
    List<LabelSelectorRequirement> requirements = new ArrayList<>();
    for (String part : splitOutsideParentheses(stripped)) {
      requirements.add(requirement(part.strip(), stripped));
    }
    LabelSelector selector = new LabelSelector();
    selector.setMatchExpressions(requirements);
    return new ClientKeyWatch(stripped, selector);
  }

  /** Returns whether every Secret is read. */
  public boolean everySecret() {
    return text.isEmpty();
  }

  /** Returns whether the processor reads a Secret with these labels. */
  public boolean reads(Map<String, String> labels) {
    return everySecret() || LabelSelectors.matches(selector, labels);
  }

  /**
   * Returns the {@code kubectl label} arguments that make a Secret match, or null when the selector
   * has a requirement that one label value cannot meet alone ({@code notin}, {@code !key}).
   */
  String labelArguments() {
    List<String> labels = new ArrayList<>();
    for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
      switch (r.getOperator()) {
        case "In" -> labels.add(r.getKey() + "=" + r.getValues().get(0));
        case "Exists" -> labels.add(r.getKey() + "=true");
        default -> {
          return null;
        }
      }
    }
    return String.join(" ", labels);
  }

  private static LabelSelectorRequirement requirement(String part, String whole) {
    Matcher m = EQUALS.matcher(part);
    if (m.matches()) {
      boolean equal = !m.group(3).equals("!=");
      return requirement(m.group(1), equal ? "In" : "NotIn", List.of(m.group(4)));
    }
    m = SET.matcher(part);
    if (m.matches()) {
      List<String> values = new ArrayList<>();
      for (String v : m.group(4).split(",", -1)) {
        if (!v.strip().matches(VALUE) || v.isBlank()) {
          throw unreadable(part, whole);
        }
        values.add(v.strip());
      }
      return requirement(m.group(1), m.group(3).equals("in") ? "In" : "NotIn", values);
    }
    m = EXISTS.matcher(part);
    if (m.matches()) {
      return requirement(m.group(2), m.group(1).isEmpty() ? "Exists" : "DoesNotExist", List.of());
    }
    throw unreadable(part, whole);
  }

  private static LabelSelectorRequirement requirement(
      String key, String operator, List<String> values) {
    LabelSelectorRequirement r = new LabelSelectorRequirement();
    r.setKey(key);
    r.setOperator(operator);
    r.setValues(List.copyOf(values));
    return r;
  }

  private static IllegalArgumentException unreadable(String part, String whole) {
    return new IllegalArgumentException(
        "cannot read '"
            + part
            + "' in the label selector '"
            + whole
            + "': use key=value, key!=value, key in (a,b), key notin (a,b), key or !key,"
            + " comma-separated");
  }

  private static List<String> splitOutsideParentheses(String text) {
    List<String> parts = new ArrayList<>();
    int depth = 0;
    int start = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
      } else if (c == ',' && depth == 0) {
        parts.add(text.substring(start, i));
        start = i + 1;
      }
    }
    parts.add(text.substring(start));
    return parts;
  }
}
