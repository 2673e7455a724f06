package dev.tollgate.usage;

import dev.tollgate.ledger.AuditLog;
import dev.tollgate.serving.HttpEndpoints;
import java.util.Map;

/**
 * The ledger's reports on a port of their own: {@code /usage/report} (spend per team and client
 * from the usage ledger) and {@code /audit} (the published configuration versions), the same
 * endpoints {@code tollgate run} serves on its metrics port, so that {@code tollgate usage
 * --server} and {@code tollgate audit --server} ask either. The operator serves them in cluster
 * mode from the PostgreSQL ledger; they are kept off the probe and metrics port, which the
 * NetworkPolicy opens more widely, since they show every team's spend. Thread-safe.
 */
public final class LedgerReports implements AutoCloseable {
  private final HttpEndpoints server;

  private LedgerReports(HttpEndpoints server) {
    this.server = server;
  }

  /**
   * Starts the server; port 0 picks a free port.
   *
   * @param audit the audit trail, whose database holds the usage ledger too
   */
  public static LedgerReports start(String host, int port, AuditLog audit) {
    return new LedgerReports(
        HttpEndpoints.start(
            host,
            port,
            "tollgate-ledger-reports",
            Map.of(
                UsageReportEndpoint.PATH,
                new UsageReportEndpoint(audit.database()),
                AuditEndpoint.PATH,
                new AuditEndpoint(audit))));
  }

  /** Returns the port. */
  public int port() {
    return server.port();
  }

  @Override
  public void close() {
    server.close();
  }
}
