package dev.tollgate.usage;

import dev.tollgate.ledger.JdbcLedgerStore;
import dev.tollgate.ledger.LedgerUnavailableException;
import dev.tollgate.ledger.UsageQuery;
import dev.tollgate.ledger.UsageReportFormat;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tollgate usage --period 2026-11 --by namespace,client,model --output table}: spend from
 * the usage ledger, per team and client with totals, for chargeback. It asks a running gateway's
 * {@code /usage/report} (the default: {@code tollgate run} on this machine), or reads a PostgreSQL
 * ledger directly with {@code --ledger-database}.
 */
@Command(
    name = "usage",
    mixinStandardHelpOptions = true,
    description = {
      "Report spend from the usage ledger: requests, errors, tokens and cost per period,",
      "summed by namespace, client, model, upstream-model, provider, route, api, status or budget."
    })
public final class UsageCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--period",
      required = true,
      description = "A month (2026-11) or a day (2026-11-05), in UTC.")
  String period;

  @Option(
      names = "--by",
      defaultValue = "namespace",
      description = "Comma-separated dimensions of a row. Default: ${DEFAULT-VALUE}.")
  String by;

  @Option(names = "--namespace", description = "Only this namespace's records.")
  String namespace;

  @Option(
      names = "--output",
      defaultValue = "table",
      description = "table, csv or json. Default: ${DEFAULT-VALUE}.")
  String output;

  @Mixin LedgerSource source = new LedgerSource();

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    UsageReportFormat format;
    UsageQuery query;
    try {
      format = UsageReportFormat.of(output);
      query = UsageQuery.parse(period, by, namespace);
    } catch (IllegalArgumentException e) {
      err.println("tollgate usage: " + e.getMessage());
      return 2;
    }
    if (source.database != null) {
      try (JdbcLedgerStore store = JdbcLedgerStore.open(source.directDatabase())) {
        out.print(format.render(store.report(query)));
        out.flush();
        return 0;
      } catch (LedgerUnavailableException | IllegalArgumentException e) {
        err.println("tollgate usage: " + e.getMessage());
        return 1;
      }
    }
    return ask(format, out, err);
  }

  private int ask(UsageReportFormat format, PrintWriter out, PrintWriter err) {
    StringBuilder q = new StringBuilder("period=").append(encode(period));
    q.append("&by=").append(encode(by)).append("&output=").append(format.name().toLowerCase());
    if (namespace != null) {
      q.append("&namespace=").append(encode(namespace));
    }
    return GatewayQuery.print(
        "tollgate usage", source.server, UsageReportEndpoint.PATH + "?" + q, out, err);
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
