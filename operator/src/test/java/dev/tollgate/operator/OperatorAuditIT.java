package dev.tollgate.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tollgate.ledger.AuditLog;
import dev.tollgate.ledger.AuditRecord;
import dev.tollgate.ledger.EnvoyAnswer;
import dev.tollgate.ledger.LedgerDatabase;
import dev.tollgate.testkit.KubeApiServer;
import dev.tollgate.testkit.Ports;
import dev.tollgate.testkit.PostgresServer;
import dev.tollgate.xds.AdsServer;
import dev.tollgate.xds.EnvoyBootstrap;
import dev.tollgate.xds.EnvoyProcess;
import dev.tollgate.xds.XdsSettings;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The operator's audit trail on a real kube-apiserver, a real PostgreSQL and a real Envoy: two
 * replicas publish every version, the leader alone records it, and each record carries Envoy's ACK
 * or, for a configuration Envoy rejects, its NACK with the reason; every replica serves the
 * ledger's reports ({@code /usage/report}, {@code /audit}) from PostgreSQL on its usage port, which
 * {@code tollgate usage} and {@code tollgate audit} ask. Fails (never skips) when Envoy, the API
 * server or PostgreSQL is missing.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OperatorAuditIT {
  static final String NODE = "envoy-audit";
  static final Path WORK = Path.of("target", "operator-audit-it").toAbsolutePath();
  static final Path CA_BUNDLE = WORK.resolve("ca-bundle.crt");

  static PostgresServer postgres;
  static KubeApiServer apiServer;
  static KubernetesClient admin;
  static AuditLog leaderLog;
  static AuditLog followerLog;
  static TollgateOperator leader;
  static TollgateOperator follower;
  static EnvoyProcess envoy;
  static XdsSettings xds;

  @BeforeAll
  static void start() throws IOException {
    assertThat(EnvoyProcess.findBinary()).as(EnvoyProcess.INSTALL_HINT).isPresent();
    postgres = PostgresServer.start();
    apiServer = KubeApiServer.startWithCrds();
    admin = apiServer.adminClient();
    admin
        .namespaces()
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName("tollgate-system")
                .endMetadata()
                .build())
        .create();
    ClusterObjects.createExample(admin, "multi-team");
    Files.createDirectories(WORK);
    Files.copy(
        Path.of(XdsSettings.DEFAULT_CA_BUNDLE), CA_BUNDLE, StandardCopyOption.REPLACE_EXISTING);
    xds =
        XdsSettings.local()
            .withListener("127.0.0.1", Ports.free())
            .withServices("127.0.0.1", Ports.free(), "127.0.0.1", Ports.free())
            .withCaBundle(CA_BUNDLE.toString());
    LedgerDatabase database = new LedgerDatabase(postgres.jdbcUrl(), postgres.user(), null, 0);
    leaderLog = new AuditLog(database);
    followerLog = new AuditLog(database);
    int adsPort = Ports.free();
    leader = startOperator("operator-a", adsPort, leaderLog);
    await("operator-a takes the Lease").atMost(Duration.ofSeconds(60)).until(leader::leader);
    follower = startOperator("operator-b", Ports.free(), followerLog);
    int adminPort = Ports.free();
    envoy =
        EnvoyProcess.start(
            WORK,
            EnvoyBootstrap.toJson(
                EnvoyBootstrap.build(
                    NODE, AdsServer.DEFAULT_GROUP, "127.0.0.1", adsPort, adminPort)),
            adminPort,
            "info");
  }

  static TollgateOperator startOperator(String identity, int adsPort, AuditLog log) {
    return TollgateOperator.start(
        admin,
        OperatorSettings.builder()
            .ads("127.0.0.1", adsPort)
            .xds(xds)
            .probes("127.0.0.1", -1)
            .usagePort(Ports.free())
            .lease("tollgate-operator", "tollgate-system")
            .identity(identity)
            .coalesce(Duration.ofMillis(100))
            .grace(Duration.ofSeconds(60))
            .resync(Duration.ofSeconds(2))
            .providerPolicy(OperatorStatusIT.PROVIDER_POLICY)
            .build(),
        Clock.systemUTC(),
        null,
        () -> {},
        log);
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable c :
        new AutoCloseable[] {
          envoy, follower, leader, followerLog, leaderLog, admin, apiServer, postgres
        }) {
      if (c != null) {
        try {
          c.close();
        } catch (Exception e) {
          System.err.println("closing " + c + ": " + e);
        }
      }
    }
  }

  private static Map<String, List<AuditRecord>> trailByVersion() {
    return leaderLog.list(100).stream()
        .collect(Collectors.groupingBy(AuditRecord::version, Collectors.toList()));
  }

  @Test
  @Order(1)
  void theLeaderRecordsTheFirstVersionOnceWithEnvoysAck() {
    String version = leader.publishedVersion().orElseThrow();
    assertThat(follower.publishedVersion()).contains(version);
    await()
        .atMost(Duration.ofSeconds(60))
        .failFast("Envoy exited:\n" + envoy.logTail(40), () -> !envoy.isAlive())
        .untilAsserted(
            () -> {
              List<AuditRecord> records = trailByVersion().get(version);
              assertThat(records).as("records of version %s", version).hasSize(1);
              assertThat(records.get(0).answers())
                  .extracting(EnvoyAnswer::nodeId, EnvoyAnswer::accepted)
                  .containsExactly(org.assertj.core.groups.Tuple.tuple(NODE, true));
            });
    AuditRecord first = trailByVersion().get(version).get(0);
    assertThat(first.count(AuditRecord.What.ADDED)).isPositive();
    assertThat(first.changes())
        .anySatisfy(
            c -> {
              assertThat(c.kind()).isEqualTo("AIRoute");
              assertThat(c.generation()).isNotNull();
            });
  }

  @Test
  @Order(2)
  void aChangeIsOneRecordWithItsPreviousVersionAndEnvoysAck() {
    String before = leader.publishedVersion().orElseThrow();
    admin
        .resources(dev.tollgate.api.v1alpha1.AIRoute.class)
        .inNamespace("team-c")
        .withName("search")
        .delete();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> !leader.publishedVersion().orElseThrow().equals(before));
    String after = leader.publishedVersion().orElseThrow();
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              List<AuditRecord> records = trailByVersion().get(after);
              assertThat(records).as("records of version %s", after).hasSize(1);
              assertThat(records.get(0).previousVersion()).isEqualTo(before);
              assertThat(records.get(0).changes())
                  .extracting(AuditRecord.Change::line)
                  .contains("removed AIRoute team-c/search");
              assertThat(records.get(0).answers())
                  .extracting(EnvoyAnswer::nodeId, EnvoyAnswer::accepted)
                  .containsExactly(org.assertj.core.groups.Tuple.tuple(NODE, true));
            });
    assertThat(leaderLog.list(100)).extracting(AuditRecord::version).doesNotHaveDuplicates();
  }

  /**
   * A configuration Envoy rejects: the provider's CA bundle (a path in Envoy's file system) has
   * gone missing, so the new TLS cluster is refused; the model cannot know this, only Envoy can.
   */
  @Test
  @Order(3)
  void aVersionEnvoyRejectsCarriesItsNackWithTheReason() throws IOException {
    Files.delete(CA_BUNDLE);
    create(
        """
        apiVersion: tollgate.dev/v1alpha1
        kind: ModelProvider
        metadata: {name: no-ca-bundle, namespace: team-b}
        spec:
          type: OpenAICompatible
          endpoint: {url: "https://models.example.com"}
          models: [{name: tiny}]
        """);
    create(
        """
        apiVersion: tollgate.dev/v1alpha1
        kind: AIRoute
        metadata: {name: tiny, namespace: team-b}
        spec:
          clients: {apiKeys: {secretSelector: {matchLabels: {tollgate.dev/client-key: "true"}}}}
          rules:
            - models: [tiny]
              backends: [{provider: {name: no-ca-bundle}, model: tiny}]
        """);
    await()
        .atMost(Duration.ofSeconds(60))
        .failFast("Envoy exited:\n" + envoy.logTail(40), () -> !envoy.isAlive())
        .untilAsserted(
            () -> {
              List<AuditRecord> rejected =
                  leaderLog.list(100).stream().filter(r -> r.answered(false) > 0).toList();
              assertThat(rejected).as("versions Envoy rejected").hasSize(1);
              AuditRecord version = rejected.get(0);
              assertThat(version.changes())
                  .extracting(AuditRecord.Change::line)
                  .anySatisfy(l -> assertThat(l).contains(" team-b/"));
              assertThat(version.answers()).as("answers to %s", version.version()).hasSize(1);
              EnvoyAnswer nack = version.answers().get(0);
              assertThat(nack.nodeId()).isEqualTo(NODE);
              assertThat(nack.accepted()).isFalse();
              assertThat(nack.detail())
                  .startsWith("Cluster provider/team-b/no-ca-bundle/model/tiny: ")
                  .doesNotContain("\n");
            });
    Map<String, Long> words =
        leaderLog.list(100).stream()
            .flatMap(r -> r.answers().stream())
            .collect(Collectors.groupingBy(EnvoyAnswer::word, Collectors.counting()));
    assertThat(words).containsEntry("nack", 1L);
    assertThat(leaderLog.lost()).isZero();
    assertThat(followerLog.lost()).isZero();
  }

  /**
   * Both replicas answer {@code /usage/report} with what the processors wrote to the ledger (spend
   * per team and client, totals per currency) and {@code /audit} with the trail the leader wrote;
   * {@code tollgate usage} and {@code tollgate audit} print them from the operator's port.
   */
  @Test
  @Order(4)
  void everyReplicaServesTheLedgersReportsThatTheCommandsAsk() throws Exception {
    LedgerDatabase database = new LedgerDatabase(postgres.jdbcUrl(), postgres.user(), null, 0);
    try (dev.tollgate.ledger.JdbcLedgerStore store =
        dev.tollgate.ledger.JdbcLedgerStore.open(database)) {
      store.write(
          List.of(
              record("r1", "team-a", "alice", "0.50"),
              record("r2", "team-a", "bob", "0.25"),
              record("r3", "team-b", "carol", "1.125")));
    }
    assertThat(leader.usagePort()).isPositive();
    assertThat(follower.usagePort()).isPositive().isNotEqualTo(leader.usagePort());
    for (TollgateOperator replica : List.of(leader, follower)) {
      String base = "http://127.0.0.1:" + replica.usagePort();
      java.net.http.HttpResponse<String> csv =
          get(base + "/usage/report?period=2026-11&by=namespace,client&output=csv");
      assertThat(csv.statusCode()).as(csv.body()).isEqualTo(200);
      assertThat(csv.body())
          .isEqualTo(
              "namespace,client,currency,requests,errors,input_tokens,cached_input_tokens,"
                  + "output_tokens,cost\r\n"
                  + "team-a,alice,USD,1,0,100,0,10,0.5\r\n"
                  + "team-a,bob,USD,1,0,100,0,10,0.25\r\n"
                  + "team-b,carol,USD,1,0,100,0,10,1.125\r\n"
                  + "TOTAL,,USD,3,0,300,0,30,1.875\r\n");
      java.net.http.HttpResponse<String> bad = get(base + "/usage/report?by=namespace");
      assertThat(bad.statusCode()).isEqualTo(400);
      assertThat(bad.body()).contains("\"code\":\"invalid_query\"");
      java.net.http.HttpResponse<String> audit = get(base + "/audit?output=json&limit=100");
      assertThat(audit.statusCode()).as(audit.body()).isEqualTo(200);
      for (AuditRecord r : leaderLog.list(100)) {
        assertThat(audit.body()).contains("\"version\" : \"" + r.version() + "\"");
      }
      assertThat(audit.body()).contains("removed").contains("\"answer\" : \"nack\"");
    }
    String base = "http://127.0.0.1:" + follower.usagePort();
    java.io.StringWriter out = new java.io.StringWriter();
    java.io.StringWriter err = new java.io.StringWriter();
    int status =
        new picocli.CommandLine(new dev.tollgate.cli.TollgateCommand())
            .setOut(new java.io.PrintWriter(out))
            .setErr(new java.io.PrintWriter(err))
            .execute("usage", "--server", base, "--period", "2026-11", "--by", "namespace");
    assertThat(err.toString()).isEmpty();
    assertThat(status).isZero();
    assertThat(out.toString())
        .isEqualTo(
            """
            namespace  currency  requests  errors  input_tokens  cached_input_tokens  output_tokens   cost
            team-a     USD              2       0           200                    0             20   0.75
            team-b     USD              1       0           100                    0             10  1.125
            TOTAL      USD              3       0           300                    0             30  1.875
            """);
    out.getBuffer().setLength(0);
    status =
        new picocli.CommandLine(new dev.tollgate.cli.TollgateCommand())
            .setOut(new java.io.PrintWriter(out))
            .setErr(new java.io.PrintWriter(err))
            .execute("audit", "--server", base, "--limit", "1");
    assertThat(err.toString()).isEmpty();
    assertThat(status).isZero();
    assertThat(out.toString())
        .startsWith("published")
        .contains(leaderLog.list(1).get(0).version())
        .contains("nack by Envoy node " + NODE);
  }

  private static java.net.http.HttpResponse<String> get(String url) throws Exception {
    return java.net.http.HttpClient.newHttpClient()
        .send(
            java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).build(),
            java.net.http.HttpResponse.BodyHandlers.ofString());
  }

  private static dev.tollgate.ledger.LedgerRecord record(
      String id, String namespace, String client, String cost) {
    return new dev.tollgate.ledger.LedgerRecord(
        java.time.Instant.parse("2026-11-05T10:00:00Z"),
        id,
        namespace,
        namespace + "/chat",
        0,
        client,
        "gpt-4o",
        "gpt-4o-2024-08-06",
        namespace + "/openai",
        "chat",
        200,
        100,
        0,
        10,
        new java.math.BigDecimal(cost),
        "USD",
        dev.tollgate.ledger.LedgerRecord.Budget.COMMITTED,
        20.0,
        null,
        1,
        null);
  }

  static void create(String yaml) {
    HasMetadata object =
        admin.load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8))).items().get(0);
    admin.resource(object).create();
  }
}
