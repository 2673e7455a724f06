package dev.tollgate.ledger;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How a {@link UsageReport} is written out: an aligned table, CSV (RFC 4180) or JSON. A value the
 * records do not have (the model of a {@code /v1/models} call, the currency of an unpriced request)
 * is {@code -} in the table, an empty cell in CSV and {@code null} in JSON.
 */
public enum UsageReportFormat {
  TABLE,
  CSV,
  JSON;

  private static final List<String> SUMS =
      List.of(
          "currency",
          "requests",
          "errors",
          "input_tokens",
          "cached_input_tokens",
          "output_tokens",
          "cost");

  /** The format named {@code table}, {@code csv} or {@code json}. */
  public static UsageReportFormat of(String name) {
    try {
      return valueOf(name.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown output '" + name + "'; use table, csv or json");
    }
  }

  /** The media type of this format's output. */
  public String mediaType() {
    return switch (this) {
      case TABLE -> "text/plain; charset=utf-8";
      case CSV -> "text/csv; charset=utf-8";
      case JSON -> "application/json";
    };
  }

  /** What the table shows for a value the records do not have. */
  static final String MISSING_IN_TABLE = "-";

  /**
   * Writes the report: its rows, then one total row per currency (table and CSV: key "TOTAL"), the
   * total of unpriced requests last.
   */
  public String render(UsageReport report) {
    return switch (this) {
      case TABLE -> table(report);
      case CSV -> csv(report);
      case JSON -> json(report);
    };
  }

  private static List<String> header(UsageReport report) {
    List<String> header = new ArrayList<>();
    report.query().by().forEach(d -> header.add(d.label()));
    header.addAll(SUMS);
    return header;
  }

  private static List<List<String>> cells(UsageReport report, String missing) {
    List<List<String>> lines = new ArrayList<>();
    int keys = report.query().by().size();
    for (UsageReport.Row r : report.rows()) {
      lines.add(cells(r.keys(), r, missing));
    }
    for (UsageReport.Row t : report.totals()) {
      List<String> label = new ArrayList<>();
      for (int i = 0; i < keys; i++) {
        label.add(i == 0 ? "TOTAL" : "");
      }
      lines.add(cells(label, t, missing));
    }
    return lines;
  }

  private static List<String> cells(List<String> keys, UsageReport.Row r, String missing) {
    List<String> line = new ArrayList<>();
    keys.forEach(k -> line.add(k == null ? missing : k));
    line.add(r.currency() == null ? missing : r.currency());
    line.add(Long.toString(r.requests()));
    line.add(Long.toString(r.errors()));
    line.add(Long.toString(r.inputTokens()));
    line.add(Long.toString(r.cachedInputTokens()));
    line.add(Long.toString(r.outputTokens()));
    line.add(r.cost().toPlainString());
    return line;
  }

  private static String table(UsageReport report) {
    List<String> header = header(report);
    List<List<String>> lines = cells(report, MISSING_IN_TABLE);
    int[] width = new int[header.size()];
    for (int i = 0; i < width.length; i++) {
      width[i] = header.get(i).length();
      for (List<String> line : lines) {
        width[i] = Math.max(width[i], line.get(i).length());
      }
    }
    int keys = report.query().by().size();
    StringBuilder out = new StringBuilder();
    appendRow(out, header, width, keys);
    for (List<String> line : lines) {
      appendRow(out, line, width, keys);
    }
    return out.toString();
  }

  private static void appendRow(StringBuilder out, List<String> cells, int[] width, int keys) {
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < cells.size(); i++) {
      String cell = cells.get(i);
      String pad = " ".repeat(width[i] - cell.length());
      // Names and the currency read left to right; numbers line up on the right.
      line.append(i <= keys ? cell + pad : pad + cell);
      if (i < cells.size() - 1) {
        line.append("  ");
      }
    }
    out.append(line.toString().stripTrailing()).append('\n');
  }

  private static String csv(UsageReport report) {
    StringBuilder out = new StringBuilder();
    out.append(csvLine(header(report)));
    for (List<String> line : cells(report, "")) {
      out.append(csvLine(line));
    }
    return out.toString();
  }

  private static String csvLine(List<String> cells) {
    List<String> quoted = new ArrayList<>();
    for (String c : cells) {
      quoted.add(
          c.contains(",") || c.contains("\"") || c.contains("\n") || c.contains("\r")
              ? "\"" + c.replace("\"", "\"\"") + "\""
              : c);
    }
    return String.join(",", quoted) + "\r\n";
  }

  private static String json(UsageReport report) {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
      g.useDefaultPrettyPrinter();
      g.writeStartObject();
      g.writeStringField("from", report.query().from().toString());
      g.writeStringField("to", report.query().to().toString());
      g.writeArrayFieldStart("by");
      for (UsageQuery.Dimension d : report.query().by()) {
        g.writeString(d.label());
      }
      g.writeEndArray();
      if (report.query().namespace() != null) {
        g.writeStringField("namespace", report.query().namespace());
      }
      g.writeArrayFieldStart("rows");
      for (UsageReport.Row r : report.rows()) {
        jsonRow(g, report.query().by(), r);
      }
      g.writeEndArray();
      g.writeArrayFieldStart("totals");
      for (UsageReport.Row t : report.totals()) {
        jsonRow(g, List.of(), t);
      }
      g.writeEndArray();
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out + "\n";
  }

  private static void jsonRow(JsonGenerator g, List<UsageQuery.Dimension> by, UsageReport.Row r)
      throws IOException {
    g.writeStartObject();
    for (int i = 0; i < by.size(); i++) {
      g.writeStringField(by.get(i).label(), r.keys().get(i));
    }
    g.writeStringField("currency", r.currency());
    g.writeNumberField("requests", r.requests());
    g.writeNumberField("errors", r.errors());
    g.writeNumberField("input_tokens", r.inputTokens());
    g.writeNumberField("cached_input_tokens", r.cachedInputTokens());
    g.writeNumberField("output_tokens", r.outputTokens());
    g.writeFieldName("cost");
    g.writeNumber(r.cost().toPlainString());
    g.writeEndObject();
  }
}
