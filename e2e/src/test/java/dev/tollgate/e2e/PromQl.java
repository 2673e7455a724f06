package dev.tollgate.e2e;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a PromQL expression (or a Grafana {@code label_values(...)} variable query) reads: the
 * metric names it selects, the labels its selectors match on, and the labels its {@code by}, {@code
 * without}, {@code on}, {@code ignoring} and {@code group_left/right} clauses name.
 *
 * <p>A scanner, not a parser: it knows where names, selectors, range brackets and strings start,
 * and treats every identifier followed by {@code (} as a function, so it needs no list of functions
 * beyond the aggregation operators, whose grouping clause may come before the parenthesis.
 *
 * @param metrics the metric names selected
 * @param selectorLabels per metric, the labels its {@code {...}} matchers name
 * @param groupingLabels labels of grouping and matching clauses, and of {@code label_values}
 */
record PromQl(
    Set<String> metrics, Map<String, Set<String>> selectorLabels, Set<String> groupingLabels) {

  private static final Set<String> AGGREGATIONS =
      Set.of(
          "sum",
          "min",
          "max",
          "avg",
          "count",
          "group",
          "stddev",
          "stdvar",
          "topk",
          "bottomk",
          "quantile",
          "count_values",
          "limitk",
          "limit_ratio");
  private static final Set<String> GROUPING =
      Set.of("by", "without", "on", "ignoring", "group_left", "group_right");
  private static final Set<String> KEYWORDS =
      Set.of("and", "or", "unless", "bool", "offset", "atan2", "inf", "nan");

  /** Returns what an expression reads. */
  static PromQl parse(String expression) {
    PromQl result = new PromQl(new TreeSet<>(), new TreeMap<>(), new TreeSet<>());
    new Scanner(expression, result).scan();
    return result;
  }

  /** Returns every label the expression names, on selectors or in clauses. */
  Set<String> labels() {
    Set<String> all = new TreeSet<>(groupingLabels);
    selectorLabels.values().forEach(all::addAll);
    return all;
  }

  private static final class Scanner {
    private final String text;
    private final PromQl out;
    private int at;

    Scanner(String text, PromQl out) {
      this.text = text;
      this.out = out;
    }

    void scan() {
      while (at < text.length()) {
        char c = text.charAt(at);
        if (c == '"' || c == '\'' || c == '`') {
          skipString();
        } else if (c == '[') {
          at = closing(at, '[', ']') + 1;
        } else if (c == '$') {
          skipVariable();
        } else if (c == '{') {
          selector(null);
        } else if (Character.isDigit(c) || c == '.' && digitAt(at + 1)) {
          skipNumber();
        } else if (identifierStart(c)) {
          identifier();
        } else {
          at++;
        }
      }
    }

    private void identifier() {
      String name = readIdentifier();
      String lower = name.toLowerCase(Locale.ROOT);
      int next = skipSpaces(at);
      boolean call = next < text.length() && text.charAt(next) == '(';
      if (GROUPING.contains(lower)) {
        if (call) {
          at = next;
          out.groupingLabels().addAll(list(closing(at, '(', ')')));
        }
      } else if (lower.equals("label_values") && call) {
        labelValues(next);
      } else if (lower.equals("offset")) {
        at = next;
        skipDuration();
      } else if (call || AGGREGATIONS.contains(lower) || KEYWORDS.contains(lower)) {
        // a function or operator: its arguments are scanned as they come
      } else {
        out.metrics().add(name);
        out.selectorLabels().computeIfAbsent(name, n -> new TreeSet<>());
        if (next < text.length() && text.charAt(next) == '{') {
          at = next;
          selector(name);
        }
      }
    }

    /** {@code label_values(label)} or {@code label_values(series selector, label)}. */
    private void labelValues(int open) {
      int close = closing(open, '(', ')');
      List<String> arguments = arguments(open + 1, close);
      out.groupingLabels().add(arguments.get(arguments.size() - 1).trim());
      if (arguments.size() > 1) {
        PromQl series = parse(arguments.get(0));
        out.metrics().addAll(series.metrics());
        series
            .selectorLabels()
            .forEach(
                (m, l) -> out.selectorLabels().computeIfAbsent(m, k -> new TreeSet<>()).addAll(l));
        out.groupingLabels().addAll(series.groupingLabels());
      }
      at = close + 1;
    }

    /** Reads {@code {label op "value", ...}} and records the labels against the metric. */
    private void selector(String metric) {
      int close = closing(at, '{', '}');
      Set<String> labels =
          metric == null
              ? out.selectorLabels().computeIfAbsent("", n -> new TreeSet<>())
              : out.selectorLabels().get(metric);
      for (String matcher : arguments(at + 1, close)) {
        String trimmed = matcher.trim();
        int end = 0;
        while (end < trimmed.length() && identifierPart(trimmed.charAt(end))) {
          end++;
        }
        if (end > 0) {
          labels.add(trimmed.substring(0, end));
        }
      }
      at = close + 1;
    }

    /** Splits {@code [from, to)} at top-level commas, ignoring commas in strings and brackets. */
    private List<String> arguments(int from, int to) {
      List<String> parts = new ArrayList<>();
      int depth = 0;
      int start = from;
      for (int i = from; i < to; i++) {
        char c = text.charAt(i);
        if (c == '"' || c == '\'' || c == '`') {
          i = stringEnd(i);
        } else if (c == '(' || c == '{' || c == '[') {
          depth++;
        } else if (c == ')' || c == '}' || c == ']') {
          depth--;
        } else if (c == ',' && depth == 0) {
          parts.add(text.substring(start, i));
          start = i + 1;
        }
      }
      String last = text.substring(start, to);
      if (!last.isBlank() || parts.isEmpty()) {
        parts.add(last);
      }
      return parts;
    }

    private List<String> list(int close) {
      List<String> labels = new ArrayList<>();
      for (String part : arguments(at + 1, close)) {
        if (!part.isBlank()) {
          labels.add(part.trim());
        }
      }
      at = close + 1;
      return labels;
    }

    private int closing(int open, char opening, char closingChar) {
      int depth = 0;
      for (int i = open; i < text.length(); i++) {
        char c = text.charAt(i);
        if (c == '"' || c == '\'' || c == '`') {
          i = stringEnd(i);
        } else if (c == opening) {
          depth++;
        } else if (c == closingChar && --depth == 0) {
          return i;
        }
      }
      throw new IllegalArgumentException(
          "unbalanced '" + opening + "' at " + open + " in: " + text);
    }

    private int stringEnd(int open) {
      char quote = text.charAt(open);
      for (int i = open + 1; i < text.length(); i++) {
        char c = text.charAt(i);
        if (c == '\\' && quote != '`') {
          i++;
        } else if (c == quote) {
          return i;
        }
      }
      throw new IllegalArgumentException("unterminated string at " + open + " in: " + text);
    }

    private void skipString() {
      at = stringEnd(at) + 1;
    }

    private void skipVariable() {
      at++;
      if (at < text.length() && text.charAt(at) == '{') {
        at = closing(at, '{', '}') + 1;
      } else {
        while (at < text.length() && identifierPart(text.charAt(at))) {
          at++;
        }
      }
    }

    private void skipNumber() {
      while (at < text.length()) {
        char c = text.charAt(at);
        boolean exponentSign =
            (c == '+' || c == '-') && at > 0 && (text.charAt(at - 1) | 0x20) == 'e';
        if (Character.isLetterOrDigit(c) || c == '.' || exponentSign) {
          at++;
        } else {
          return;
        }
      }
    }

    private void skipDuration() {
      at = skipSpaces(at);
      if (at < text.length() && text.charAt(at) == '-') {
        at++;
      }
      if (at < text.length() && text.charAt(at) == '$') {
        skipVariable();
        return;
      }
      while (at < text.length() && Character.isLetterOrDigit(text.charAt(at))) {
        at++;
      }
    }

    private String readIdentifier() {
      int start = at;
      while (at < text.length() && identifierPart(text.charAt(at))) {
        at++;
      }
      return text.substring(start, at);
    }

    private int skipSpaces(int from) {
      int i = from;
      while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
        i++;
      }
      return i;
    }

    private boolean digitAt(int i) {
      return i < text.length() && Character.isDigit(text.charAt(i));
    }

    private static boolean identifierStart(char c) {
      return Character.isLetter(c) || c == '_' || c == ':';
    }

    private static boolean identifierPart(char c) {
      return Character.isLetterOrDigit(c) || c == '_' || c == ':';
    }
  }
}
