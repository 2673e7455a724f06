package dev.tollgate.ledger;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/** A record as one line of JSON, the spool's format; decoding refuses lines missing a key field. */
final class RecordCodec {
  private static final JsonFactory JSON = new JsonFactory();

  private RecordCodec() {}

  static String encode(LedgerRecord r) {
    StringWriter out = new StringWriter(384);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("time", r.time().toString());
      g.writeStringField("request_id", r.requestId());
      g.writeStringField("namespace", r.namespace());
      g.writeStringField("route", r.route());
      if (r.rule() != null) {
        g.writeNumberField("rule", r.rule());
      }
      g.writeStringField("client", r.client());
      g.writeStringField("requested_model", r.requestedModel());
      g.writeStringField("upstream_model", r.upstreamModel());
      g.writeStringField("provider", r.provider());
      g.writeStringField("api", r.api());
      g.writeNumberField("status", r.status());
      g.writeNumberField("input_tokens", r.inputTokens());
      g.writeNumberField("cached_input_tokens", r.cachedInputTokens());
      g.writeNumberField("output_tokens", r.outputTokens());
      if (r.cost() != null) {
        g.writeStringField("cost", r.cost().toPlainString());
      }
      g.writeStringField("currency", r.currency());
      g.writeStringField("budget", r.budget().name().toLowerCase(Locale.ROOT));
      g.writeNumberField("latency_ms", r.latencyMillis());
      if (r.timeToFirstTokenMillis() != null) {
        g.writeNumberField("ttft_ms", r.timeToFirstTokenMillis());
      }
      if (r.attempts() != null) {
        g.writeNumberField("attempts", r.attempts());
      }
      g.writeStringField("error", r.error());
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  /**
   * Reads one line written by {@link #encode}.
   *
   * @throws IllegalArgumentException when the line is not such a record (a torn last line)
   */
  static LedgerRecord decode(String line) {
    Map<String, Object> f = new HashMap<>();
    try (JsonParser p = JSON.createParser(line)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IllegalArgumentException("not a JSON object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken t = p.nextToken();
        f.put(
            name,
            switch (t) {
              case VALUE_STRING -> p.getText();
              case VALUE_NUMBER_INT -> p.getLongValue();
              case VALUE_NUMBER_FLOAT -> p.getDoubleValue();
              case VALUE_NULL -> null;
              default -> throw new IllegalArgumentException("unexpected " + t + " at " + name);
            });
      }
      if (p.currentToken() != JsonToken.END_OBJECT) {
        throw new IllegalArgumentException("record is cut short");
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("not a spooled record: " + e.getMessage(), e);
    }
    try {
      return new LedgerRecord(
          Instant.parse((String) f.get("time")),
          (String) f.get("request_id"),
          (String) f.get("namespace"),
          (String) f.get("route"),
          integer(f.get("rule")),
          (String) f.get("client"),
          (String) f.get("requested_model"),
          (String) f.get("upstream_model"),
          (String) f.get("provider"),
          (String) f.get("api"),
          ((Number) f.get("status")).intValue(),
          ((Number) f.get("input_tokens")).longValue(),
          ((Number) f.get("cached_input_tokens")).longValue(),
          ((Number) f.get("output_tokens")).longValue(),
          f.get("cost") == null ? null : new BigDecimal((String) f.get("cost")),
          (String) f.get("currency"),
          LedgerRecord.Budget.valueOf(((String) f.get("budget")).toUpperCase(Locale.ROOT)),
          ((Number) f.get("latency_ms")).doubleValue(),
          f.get("ttft_ms") == null ? null : ((Number) f.get("ttft_ms")).doubleValue(),
          integer(f.get("attempts")),
          (String) f.get("error"));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("not a spooled record: " + e.getMessage(), e);
    }
  }

  private static Integer integer(Object value) {
    return value == null ? null : ((Number) value).intValue();
  }
}
