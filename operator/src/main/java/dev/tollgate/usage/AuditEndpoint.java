package dev.tollgate.usage;

import dev.tollgate.ledger.AuditLog;
import dev.tollgate.ledger.LedgerUnavailableException;
import dev.tollgate.serving.HttpEndpoints;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * {@code GET /audit?limit=50&output=table|json}: the newest published configuration versions from
 * the audit trail, with the resources each added, changed or removed. A bad query gets 400 naming
 * the parameter; a ledger that cannot be read, 503.
 */
public final class AuditEndpoint implements HttpEndpoints.Endpoint {
  /** The path it is served at. */
  public static final String PATH = "/audit";

  private final AuditLog log;

  /** Lists what {@code log} holds. */
  public AuditEndpoint(AuditLog log) {
    this.log = log;
  }

  @Override
  public HttpEndpoints.Response answer(String rawQuery) {
    int limit = 50;
    AuditFormat format = AuditFormat.JSON;
    try {
      if (rawQuery != null && !rawQuery.isEmpty()) {
        for (String pair : rawQuery.split("&")) {
          int eq = pair.indexOf('=');
          String name = eq < 0 ? pair : pair.substring(0, eq);
          String value =
              eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
          switch (name) {
            case "limit" -> limit = limit(value);
            case "output" -> format = AuditFormat.of(value);
            default ->
                throw new IllegalArgumentException(
                    "unknown parameter '" + name + "'; use limit and output");
          }
        }
      }
    } catch (IllegalArgumentException e) {
      return UsageReportEndpoint.error(
          400, "invalid_request_error", "invalid_query", e.getMessage());
    }
    try {
      return new HttpEndpoints.Response(200, format.mediaType(), format.render(log.list(limit)));
    } catch (LedgerUnavailableException e) {
      return UsageReportEndpoint.error(
          503, "server_error", "ledger_unavailable", "The audit trail cannot be read now.");
    }
  }

  /** A limit between 1 and 10,000. */
  static int limit(String value) {
    try {
      int n = Integer.parseInt(value);
      if (n >= 1 && n <= 10_000) {
        return n;
      }
    } catch (NumberFormatException e) {
      // named below
    }
    throw new IllegalArgumentException("limit '" + value + "' is not a number from 1 to 10000");
  }
}
