package dev.tollgate.usage;

import dev.tollgate.ledger.AuditLog;
import dev.tollgate.ledger.LedgerUnavailableException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tollgate audit [--limit 50] [--output table|json]}: the newest published configuration
 * versions, with the resources each added, changed or removed and their generations. It asks a
 * running gateway's {@code /audit} (default: {@code tollgate run} on this machine), or reads a
 * PostgreSQL ledger directly with {@code --ledger-database}.
 */
@Command(
    name = "audit",
    mixinStandardHelpOptions = true,
    description = {
      "List published configuration versions from the audit trail, newest first: when, the",
      "version replaced, and each resource added, changed or removed with its generation."
    })
public final class AuditCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--limit",
      defaultValue = "50",
      description = "At most this many versions (1 to 10000). Default: ${DEFAULT-VALUE}.")
  String limit;

  @Option(
      names = "--output",
      defaultValue = "table",
      description = "table or json. Default: ${DEFAULT-VALUE}.")
  String output;

  @Mixin LedgerSource source = new LedgerSource();

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    AuditFormat format;
    int n;
    try {
      format = AuditFormat.of(output);
      n = AuditEndpoint.limit(limit);
    } catch (IllegalArgumentException e) {
      err.println("tollgate audit: " + e.getMessage());
      return 2;
    }
    if (source.database != null) {
      try (AuditLog log = new AuditLog(source.directDatabase())) {
        out.print(format.render(log.list(n)));
        out.flush();
        return 0;
      } catch (LedgerUnavailableException | IllegalArgumentException e) {
        err.println("tollgate audit: " + e.getMessage());
        return 1;
      }
    }
    return GatewayQuery.print(
        "tollgate audit",
        source.server,
        AuditEndpoint.PATH + "?limit=" + n + "&output=" + format.name().toLowerCase(),
        out,
        err);
  }
}
