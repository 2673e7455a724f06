package dev.tollgate.usage;

import dev.tollgate.ledger.LedgerDatabase;
import java.net.URI;
import picocli.CommandLine.Option;

/**
 * Where {@code tollgate usage} and {@code tollgate audit} read the ledger: a running gateway's
 * endpoint (default: {@code tollgate run} on this machine, which holds the embedded file; in a
 * cluster, the operator's usage port), or a PostgreSQL ledger directly.
 */
final class LedgerSource {
  @Option(
      names = "--server",
      defaultValue = "http://127.0.0.1:9090",
      description =
          "A running gateway to ask: tollgate run's --metrics-port, or in a cluster the"
              + " operator's --usage-port (kubectl -n tollgate-system port-forward"
              + " svc/tollgate-operator 9091, then http://127.0.0.1:9091)."
              + " Default: ${DEFAULT-VALUE}.")
  URI server;

  @Option(
      names = "--ledger-database",
      description = "Read this PostgreSQL ledger (JDBC URL) directly instead of asking --server.")
  String database;

  @Option(names = "--ledger-user", description = "User of --ledger-database.")
  String user;

  /** The database named by {@code --ledger-database} (password from the environment), or null. */
  LedgerDatabase directDatabase() {
    return database == null
        ? null
        : new LedgerDatabase(database, user, System.getenv(LedgerOptions.PASSWORD_ENV), 0);
  }
}
