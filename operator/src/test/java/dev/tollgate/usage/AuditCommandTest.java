package dev.tollgate.usage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tollgate.cli.TollgateCommand;
import dev.tollgate.ledger.AuditLog;
import dev.tollgate.ledger.AuditRecord;
import dev.tollgate.ledger.EnvoyAnswer;
import dev.tollgate.ledger.LedgerDatabase;
import dev.tollgate.serving.HealthServer;
import dev.tollgate.testkit.Ports;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code /audit} on the health server and {@code tollgate audit} asking it. */
class AuditCommandTest {
  @TempDir Path folder;
  private AuditLog log;
  private HealthServer server;
  private String base;

  @BeforeEach
  void start() {
    log = new AuditLog(LedgerDatabase.embedded(folder, 0));
    log.write(
        new AuditRecord(
            Instant.parse("2026-11-05T10:00:00Z"),
            "tollgate",
            "v1",
            null,
            List.of(
                new AuditRecord.Change(AuditRecord.What.ADDED, "AIRoute", "team-a", "chat", 2L)),
            null));
    log.write(
        new AuditRecord(
            Instant.parse("2026-11-05T11:00:00Z"),
            "tollgate",
            "v2",
            "v1",
            List.of(
                new AuditRecord.Change(AuditRecord.What.CHANGED, "AIRoute", "team-a", "chat", 3L)),
            null));
    log.answered(
        new EnvoyAnswer(
            "tollgate", "v2", "envoy-a", true, Instant.parse("2026-11-05T11:00:01Z"), null));
    log.answered(
        new EnvoyAnswer(
            "tollgate",
            "v2",
            "envoy-b",
            false,
            Instant.parse("2026-11-05T11:00:02Z"),
            "Cluster provider/team-a/x: no CA bundle"));
    await().atMost(Duration.ofSeconds(20)).until(() -> log.list(1).get(0).answers().size() == 2);
    server =
        HealthServer.start(
            "127.0.0.1",
            Ports.free(),
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
            () -> true,
            () -> true,
            Map.of(),
            Map.of(AuditEndpoint.PATH, new AuditEndpoint(log)));
    base = "http://127.0.0.1:" + server.port();
  }

  @AfterEach
  void stop() {
    server.close();
    log.close();
  }

  private HttpResponse<String> get(String pathAndQuery) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create(base + pathAndQuery)).build(),
            HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void theEndpointListsTheNewestVersionsWithTheirChanges() throws Exception {
    HttpResponse<String> json = get("/audit?limit=1");
    assertThat(json.statusCode()).isEqualTo(200);
    assertThat(json.body())
        .contains("\"version\" : \"v2\"")
        .contains("\"previousVersion\" : \"v1\"")
        .contains("\"what\" : \"changed\"")
        .contains("\"generation\" : 3")
        .contains("\"node\" : \"envoy-b\"")
        .contains("\"answer\" : \"nack\"")
        .contains("\"detail\" : \"Cluster provider/team-a/x: no CA bundle\"")
        .doesNotContain("\"version\" : \"v1\"");
    HttpResponse<String> bad = get("/audit?limit=0");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("\"code\":\"invalid_query\"").contains("limit '0'");
    assertThat(get("/audit?since=yesterday").body()).contains("unknown parameter 'since'");
  }

  @Test
  void tollgateAuditPrintsTheTable() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code =
        new CommandLine(new TollgateCommand())
            .setOut(new PrintWriter(out))
            .setErr(new PrintWriter(err))
            .execute("audit", "--server", base);
    assertThat(code).as(err.toString()).isZero();
    assertThat(out.toString())
        .startsWith("published ")
        .contains(
            "2026-11-05T11:00:00Z      tollgate    v2                    v1                        0"
                + "        1        0     1      1")
        .contains("    ack by Envoy node envoy-a at 2026-11-05T11:00:01Z\n")
        .contains(
            "    nack by Envoy node envoy-b at 2026-11-05T11:00:02Z: Cluster provider/team-a/x: no"
                + " CA bundle")
        .contains("    changed AIRoute team-a/chat generation 3")
        .contains("    added AIRoute team-a/chat generation 2");
    assertThat(out.toString().indexOf("v2 ")).isLessThan(out.toString().indexOf("added AIRoute"));
  }

  @Test
  void tollgateAuditNamesAServerItCannotReach() {
    StringWriter err = new StringWriter();
    int code =
        new CommandLine(new TollgateCommand())
            .setOut(new PrintWriter(new StringWriter()))
            .setErr(new PrintWriter(err))
            .execute("audit", "--server", "http://127.0.0.1:" + Ports.free());
    assertThat(code).isEqualTo(1);
    assertThat(err.toString()).contains("tollgate audit: cannot reach");
  }
}
