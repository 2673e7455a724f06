package dev.tollgate.ledger;

import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A usage report's question: the records ending in [{@code from}, {@code to}), summed by {@code
 * by}, optionally of one namespace.
 *
 * @param from first instant, inclusive
 * @param to last instant, exclusive
 * @param by the dimensions of a row, in order; empty for one total row
 * @param namespace only this namespace's records, or null for all
 */
public record UsageQuery(Instant from, Instant to, List<Dimension> by, String namespace) {

  /** What a report row can be keyed by, with the column it reads. */
  public enum Dimension {
    NAMESPACE("namespace"),
    CLIENT("client"),
    MODEL("requested_model"),
    UPSTREAM_MODEL("upstream_model"),
    PROVIDER("provider"),
    ROUTE("route"),
    API("api"),
    STATUS("status"),
    BUDGET("budget");

    private final String column;

    Dimension(String column) {
      this.column = column;
    }

    /** The ledger table's column. */
    public String column() {
      return column;
    }

    /** The name used on the command line and in reports: lower case, with dashes. */
    public String label() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The dimension of a label such as {@code client} or {@code upstream-model}. */
    public static Dimension ofLabel(String label) {
      for (Dimension d : values()) {
        if (d.label().equals(label.trim().toLowerCase(Locale.ROOT))) {
          return d;
        }
      }
      List<String> known = new ArrayList<>();
      for (Dimension d : values()) {
        known.add(d.label());
      }
      throw new IllegalArgumentException(
          "unknown dimension '"
              + label.trim()
              + "'; use one or more of "
              + String.join(",", known));
    }
  }

  /** Checks the range and copies the dimensions. */
  public UsageQuery {
    if (!from.isBefore(to)) {
      throw new IllegalArgumentException("the period is empty: " + from + " is not before " + to);
    }
    by = List.copyOf(by);
    if (by.size() != by.stream().distinct().count()) {
      throw new IllegalArgumentException("a dimension is named twice in " + by);
    }
  }

  /**
   * The query of a period written as {@code 2026-11} (a month) or {@code 2026-11-05} (a day), in
   * UTC, and a comma-separated list of dimensions such as {@code namespace,client,model}.
   */
  public static UsageQuery parse(String period, String by, String namespace) {
    Instant from;
    Instant to;
    try {
      if (period.length() == 7) {
        YearMonth month = YearMonth.parse(period);
        from = month.atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
        to = month.plusMonths(1).atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC);
      } else {
        LocalDate day = LocalDate.parse(period);
        from = day.atStartOfDay().toInstant(ZoneOffset.UTC);
        to = day.plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC);
      }
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          "period '" + period + "' is neither a month (2026-11) nor a day (2026-11-05)");
    }
    List<Dimension> dimensions = new ArrayList<>();
    if (by != null && !by.isBlank()) {
      for (String label : by.split(",")) {
        dimensions.add(Dimension.ofLabel(label));
      }
    }
    return new UsageQuery(from, to, dimensions, namespace);
  }
}
