package dev.tollgate.usage;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.tollgate.ledger.JdbcLedgerStore;
import dev.tollgate.ledger.LedgerDatabase;
import dev.tollgate.ledger.LedgerUnavailableException;
import dev.tollgate.ledger.UsageQuery;
import dev.tollgate.ledger.UsageReportFormat;
import dev.tollgate.serving.HttpEndpoints;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * {@code GET /usage/report?period=2026-11&by=namespace,client,model&output=table|csv|json
 * [&namespace=team-a]}: spend from the ledger, summed by the asked dimensions, with totals per
 * currency. A bad query gets 400 naming the parameter; a ledger that cannot be read, 503.
 * Thread-safe: it reads through a connection of its own, one report at a time.
 */
public final class UsageReportEndpoint implements HttpEndpoints.Endpoint {
  /** The path it is served at. */
  public static final String PATH = "/usage/report";

  private static final Set<String> PARAMETERS = Set.of("period", "by", "namespace", "output");

  private final JdbcLedgerStore store;

  /** Reads {@code database} through a connection made on the first report. */
  public UsageReportEndpoint(LedgerDatabase database) {
    this.store = JdbcLedgerStore.lazy(database);
  }

  @Override
  public synchronized HttpEndpoints.Response answer(String rawQuery) {
    Map<String, String> params;
    UsageQuery query;
    UsageReportFormat format;
    try {
      params = parameters(rawQuery);
      if (!params.containsKey("period")) {
        throw new IllegalArgumentException("the query needs period=YYYY-MM (or YYYY-MM-DD)");
      }
      query = UsageQuery.parse(params.get("period"), params.get("by"), params.get("namespace"));
      format = UsageReportFormat.of(params.getOrDefault("output", "json"));
    } catch (IllegalArgumentException e) {
      return error(400, "invalid_request_error", "invalid_query", e.getMessage());
    }
    try {
      return new HttpEndpoints.Response(
          200, format.mediaType(), format.render(store.report(query)));
    } catch (LedgerUnavailableException e) {
      return error(
          503, "server_error", "ledger_unavailable", "The usage ledger cannot be read now.");
    }
  }

  private static Map<String, String> parameters(String rawQuery) {
    Map<String, String> params = new HashMap<>();
    if (rawQuery == null || rawQuery.isEmpty()) {
      return params;
    }
    for (String pair : rawQuery.split("&")) {
      int eq = pair.indexOf('=');
      String name =
          URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String value =
          eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      if (!PARAMETERS.contains(name)) {
        throw new IllegalArgumentException(
            "unknown parameter '" + name + "'; use period, by, namespace and output");
      }
      if (params.put(name, value) != null) {
        throw new IllegalArgumentException("parameter '" + name + "' is given twice");
      }
    }
    return params;
  }

  /** An error in the OpenAI shape the gateway's other answers use. */
  static HttpEndpoints.Response error(int status, String type, String code, String message) {
    String quoted = new String(JsonStringEncoder.getInstance().quoteAsString(message));
    return new HttpEndpoints.Response(
        status,
        "application/json",
        "{\"error\":{\"message\":\""
            + quoted
            + "\",\"type\":\""
            + type
            + "\",\"code\":\""
            + code
            + "\"}}");
  }
}
