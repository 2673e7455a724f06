package dev.tollgate.usage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.cli.TollgateCommand;
import dev.tollgate.ledger.JdbcLedgerStore;
import dev.tollgate.ledger.LedgerDatabase;
import dev.tollgate.ledger.LedgerRecord;
import dev.tollgate.serving.HealthServer;
import dev.tollgate.testkit.Ports;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code /usage/report} on the health server and {@code tollgate usage} asking it. */
class UsageReportTest {
  @TempDir Path folder;
  private HealthServer server;
  private String base;

  private static LedgerRecord record(String id, String namespace, String client, String cost) {
    return new LedgerRecord(
        Instant.parse("2026-11-05T10:00:00Z"),
        id,
        namespace,
        namespace + "/chat",
        null,
        client,
        "gpt-4o",
        "gpt-4o-2024-08-06",
        namespace + "/openai",
        "chat",
        200,
        100,
        0,
        10,
        new BigDecimal(cost),
        "USD",
        LedgerRecord.Budget.COMMITTED,
        20.0,
        null,
        null,
        null);
  }

  @BeforeEach
  void start() {
    LedgerDatabase db = LedgerDatabase.embedded(folder, 0);
    try (JdbcLedgerStore store = JdbcLedgerStore.open(db)) {
      store.write(
          List.of(
              record("1", "team-a", "app-1", "0.50"),
              record("2", "team-a", "app-2", "0.25"),
              record("3", "team-b", "app-9", "1.00")));
    }
    server =
        HealthServer.start(
            "127.0.0.1",
            Ports.free(),
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
            () -> true,
            () -> true,
            Map.of(),
            Map.of(UsageReportEndpoint.PATH, new UsageReportEndpoint(db)));
    base = "http://127.0.0.1:" + server.port();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private HttpResponse<String> get(String pathAndQuery) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create(base + pathAndQuery)).build(),
            HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void theEndpointSumsAMonthByTheAskedDimensionsInTheAskedFormat() throws Exception {
    HttpResponse<String> csv = get("/usage/report?period=2026-11&by=namespace,client&output=csv");
    assertThat(csv.statusCode()).isEqualTo(200);
    assertThat(csv.headers().firstValue("content-type")).hasValue("text/csv; charset=utf-8");
    assertThat(csv.body())
        .isEqualTo(
            "namespace,client,currency,requests,errors,input_tokens,cached_input_tokens,"
                + "output_tokens,cost\r\n"
                + "team-a,app-1,USD,1,0,100,0,10,0.5\r\n"
                + "team-a,app-2,USD,1,0,100,0,10,0.25\r\n"
                + "team-b,app-9,USD,1,0,100,0,10,1\r\n"
                + "TOTAL,,USD,3,0,300,0,30,1.75\r\n");
    HttpResponse<String> json = get("/usage/report?period=2026-11&namespace=team-b");
    assertThat(json.statusCode()).isEqualTo(200);
    assertThat(json.body()).contains("\"namespace\" : \"team-b\"").doesNotContain("team-a");
  }

  @Test
  void aBadQueryGets400NamingWhatIsWrong() throws Exception {
    HttpResponse<String> noPeriod = get("/usage/report?by=namespace");
    assertThat(noPeriod.statusCode()).isEqualTo(400);
    assertThat(noPeriod.body()).contains("\"code\":\"invalid_query\"").contains("period=YYYY-MM");
    HttpResponse<String> badBy = get("/usage/report?period=2026-11&by=prompt");
    assertThat(badBy.statusCode()).isEqualTo(400);
    assertThat(badBy.body()).contains("unknown dimension 'prompt'");
    assertThat(get("/usage/report?period=2026-11&secret=1").body())
        .contains("unknown parameter 'secret'");
  }

  @Test
  void tollgateUsagePrintsTheTableTheServerRenders() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status =
        new CommandLine(new TollgateCommand())
            .setOut(new PrintWriter(out))
            .setErr(new PrintWriter(err))
            .execute("usage", "--server", base, "--period", "2026-11", "--by", "namespace");
    assertThat(err.toString()).isEmpty();
    assertThat(status).isZero();
    assertThat(out.toString())
        .isEqualTo(
            """
            namespace  currency  requests  errors  input_tokens  cached_input_tokens  output_tokens  cost
            team-a     USD              2       0           200                    0             20  0.75
            team-b     USD              1       0           100                    0             10     1
            TOTAL      USD              3       0           300                    0             30  1.75
            """);
  }

  @Test
  void tollgateUsageRefusesAnUnknownOutputBeforeAskingAnyone() {
    StringWriter err = new StringWriter();
    int status =
        new CommandLine(new TollgateCommand())
            .setErr(new PrintWriter(err))
            .execute("usage", "--server", base, "--period", "2026-11", "--output", "xml");
    assertThat(status).isEqualTo(2);
    assertThat(err.toString()).contains("unknown output 'xml'; use table, csv or json");
  }
}
