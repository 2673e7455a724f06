package dev.tollgate.usage;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.tollgate.ledger.AuditRecord;
import dev.tollgate.ledger.EnvoyAnswer;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;

/** How {@code tollgate audit} and {@code /audit} show the audit trail. */
enum AuditFormat {
  /** One line per version, then its changes indented below it. */
  TABLE("text/plain; charset=utf-8"),
  /** An array of versions, each with its changes. */
  JSON("application/json");

  private final String mediaType;

  AuditFormat(String mediaType) {
    this.mediaType = mediaType;
  }

  String mediaType() {
    return mediaType;
  }

  static AuditFormat of(String name) {
    for (AuditFormat f : values()) {
      if (f.name().equalsIgnoreCase(name)) {
        return f;
      }
    }
    throw new IllegalArgumentException("output '" + name + "' is neither table nor json");
  }

  String render(List<AuditRecord> records) {
    return this == TABLE ? table(records) : json(records);
  }

  private static String table(List<AuditRecord> records) {
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            "%-24s  %-10s  %-20s  %-20s  %5s  %7s  %7s  %4s  %5s  %s\n",
            "published",
            "group",
            "version",
            "previous",
            "added",
            "changed",
            "removed",
            "acks",
            "nacks",
            "problem"));
    for (AuditRecord r : records) {
      out.append(
              String.format(
                      "%-24s  %-10s  %-20s  %-20s  %5d  %7d  %7d  %4d  %5d  %s",
                      r.time(),
                      r.nodeGroup(),
                      r.version(),
                      r.previousVersion() == null ? "-" : r.previousVersion(),
                      r.count(AuditRecord.What.ADDED),
                      r.count(AuditRecord.What.CHANGED),
                      r.count(AuditRecord.What.REMOVED),
                      r.answered(true),
                      r.answered(false),
                      r.problem() == null ? "" : r.problem())
                  .stripTrailing())
          .append('\n');
      for (AuditRecord.Change c : r.changes()) {
        out.append("    ").append(c.line()).append('\n');
      }
      for (EnvoyAnswer a : r.answers()) {
        out.append("    ")
            .append(a.word())
            .append(" by Envoy node ")
            .append(a.nodeId())
            .append(" at ")
            .append(a.time())
            .append(a.detail() == null ? "" : ": " + a.detail())
            .append('\n');
      }
    }
    return out.toString();
  }

  private static String json(List<AuditRecord> records) {
    StringWriter text = new StringWriter();
    try (JsonGenerator g = new JsonFactory().createGenerator(text)) {
      g.useDefaultPrettyPrinter();
      g.writeStartArray();
      for (AuditRecord r : records) {
        g.writeStartObject();
        g.writeStringField("published", r.time().toString());
        g.writeStringField("nodeGroup", r.nodeGroup());
        g.writeStringField("version", r.version());
        g.writeStringField("previousVersion", r.previousVersion());
        g.writeStringField("problem", r.problem());
        g.writeArrayFieldStart("changes");
        for (AuditRecord.Change c : r.changes()) {
          g.writeStartObject();
          g.writeStringField("what", c.what().name().toLowerCase(Locale.ROOT));
          g.writeStringField("kind", c.kind());
          g.writeStringField("namespace", c.namespace());
          g.writeStringField("name", c.name());
          if (c.generation() == null) {
            g.writeNullField("generation");
          } else {
            g.writeNumberField("generation", c.generation());
          }
          g.writeEndObject();
        }
        g.writeEndArray();
        g.writeArrayFieldStart("envoy");
        for (EnvoyAnswer a : r.answers()) {
          g.writeStartObject();
          g.writeStringField("node", a.nodeId());
          g.writeStringField("answer", a.word());
          g.writeStringField("at", a.time().toString());
          g.writeStringField("detail", a.detail());
          g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
      }
      g.writeEndArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return text + "\n";
  }
}
