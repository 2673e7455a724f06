package dev.tollgate.roles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.model.GatewayModel;
import dev.tollgate.model.GatewayModelBuilder;
import dev.tollgate.processor.TierProbe;
import dev.tollgate.processor.UsageSettlement.Charged;
import dev.tollgate.processor.UsageSettlement.Tokens;
import dev.tollgate.ratelimit.RateLimitServer;
import dev.tollgate.ratelimit.RateLimitService;
import dev.tollgate.ratelimit.RateLimitSettings;
import dev.tollgate.ratelimit.store.MemoryBudgetStore;
import dev.tollgate.testkit.Ports;
import dev.tollgate.testkit.RepoRoot;
import dev.tollgate.tls.CertificateAuthority;
import dev.tollgate.tls.ClientTls;
import dev.tollgate.tls.ServerTls;
import dev.tollgate.tls.TlsFiles;
import io.grpc.Context;
import io.grpc.InsecureChannelCredentials;
import io.grpc.TlsChannelCredentials;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The processor's client of the rate-limit service over real gRPC with mutual TLS: the tier check
 * and the settlement answer, a client without the CA's client certificate gets nothing, and a
 * service that is gone fails the call instead of hanging it.
 */
class RateLimitClientTest {
  private static final Duration VALIDITY = Duration.ofDays(1);
  private static final Charged ALICE = new Charged("default", "chat", "alice", "demo-chat", "r1");

  @TempDir Path dir;

  private final MemoryBudgetStore store = MemoryBudgetStore.withDefaults();
  private CertificateAuthority ca;
  private ServerTls serverTls;
  private RateLimitServer server;
  private ClientTls clientTls;
  private RateLimitClient client;

  @BeforeEach
  void start() throws Exception {
    GatewayModel model =
        GatewayModelBuilder.build(
            new dev.tollgate.model.source.ManifestReader()
                .readFolder(RepoRoot.resolve("examples/quickstart"))
                .snapshot());
    RateLimitService service =
        new RateLimitService(
            model,
            store,
            RateLimitSettings.defaults(),
            Clock.systemUTC(),
            new SimpleMeterRegistry());
    ca = CertificateAuthority.create("test CA", VALIDITY, Clock.systemUTC());
    TlsFiles serverFiles =
        TlsFiles.write(
            dir.resolve("server"),
            ca.issueServer("localhost", List.of("localhost"), List.of(), VALIDITY),
            ca.certificate());
    serverTls = ServerTls.fromFiles(serverFiles, Duration.ofSeconds(10));
    server =
        RateLimitServer.start(
            service, "127.0.0.1", 0, Duration.ofSeconds(5), serverTls.credentials());
    TlsFiles clientFiles =
        TlsFiles.write(
            dir.resolve("client"),
            ca.issueClient("tollgate-processor", VALIDITY),
            ca.certificate());
    clientTls = ClientTls.fromFiles(clientFiles, Duration.ofSeconds(10));
    client = connect(clientTls.credentials());
  }

  private RateLimitClient connect(io.grpc.ChannelCredentials credentials) {
    return new RateLimitClient(
        "localhost:" + server.port(), credentials, Duration.ofSeconds(5), Duration.ofSeconds(5));
  }

  @AfterEach
  void stop() {
    client.close();
    clientTls.close();
    server.close();
    serverTls.close();
    store.close();
  }

  @Test
  void theFirstSettlementWinsAndEveryLaterOneLearnsIt() throws Exception {
    Tokens first = new Tokens(100, 0, 0, 50, "default/demo");
    assertThat(client.settle(ALICE, first).get(10, TimeUnit.SECONDS)).isEqualTo(first);
    assertThat(
            client
                .settle(ALICE, new Tokens(100, 0, 0, 51, "default/demo"))
                .get(10, TimeUnit.SECONDS))
        .isEqualTo(first);
  }

  /**
   * The processor settles when its ext_proc stream ends, from that stream's gRPC context, which is
   * cancelled by then: the settlement must still reach the service.
   */
  @Test
  void aSettlementStartedFromACancelledCallContextStillReachesTheService() throws Exception {
    Tokens usage = new Tokens(100, 0, 0, 50, "default/demo");
    Context.CancellableContext stream = Context.current().withCancellation();
    stream.cancel(null);
    CompletableFuture<Tokens> settled = stream.call(() -> client.settle(ALICE, usage));
    assertThat(settled.get(10, TimeUnit.SECONDS)).isEqualTo(usage);
    // Committed at the service: a second settlement learns the first.
    assertThat(client.settle(ALICE, new Tokens(1, 0, 0, 1, null)).get(10, TimeUnit.SECONDS))
        .isEqualTo(usage);
  }

  @Test
  void aTierCheckReadsTheBudgetThatTheSettlementsFilled() throws Exception {
    assertThat(
            client
                .check("default", "chat", "alice", "demo-chat", 500, false)
                .get(10, TimeUnit.SECONDS))
        .as("an empty budget: stay")
        .isNull();
    // The quickstart's budget is 20,000 tokens a minute per client.
    client
        .settle(
            new Charged("default", "chat", "alice", "demo-chat", "big"),
            new Tokens(19_900, 0, 0, 0, null))
        .get(10, TimeUnit.SECONDS);
    TierProbe.Fall fall =
        client.check("default", "chat", "alice", "demo-chat", 500, false).get(10, TimeUnit.SECONDS);
    assertThat(fall).isNotNull();
    assertThat(fall.reason()).isEqualTo("exhausted");
    assertThat(fall.quota()).isEqualTo("default/default-budget");
  }

  @Test
  void aClientWithoutTheCertificateIsRefused() throws Exception {
    try (RateLimitClient noCertificate =
            connect(
                TlsChannelCredentials.newBuilder()
                    .trustManager(dir.resolve("client").resolve(TlsFiles.CA).toFile())
                    .build());
        RateLimitClient plaintext = connect(InsecureChannelCredentials.create())) {
      assertThatThrownBy(
              () ->
                  noCertificate
                      .settle(ALICE, new Tokens(1, 0, 0, 1, null))
                      .get(10, TimeUnit.SECONDS))
          .hasMessageContaining("UNAVAILABLE");
      assertThatThrownBy(
              () ->
                  plaintext
                      .check("default", "chat", "alice", "demo-chat", 1, false)
                      .get(10, TimeUnit.SECONDS))
          .hasMessageContaining("UNAVAILABLE");
    }
    assertThat(store.usage("default", java.time.Instant.now()).join())
        .as("nothing was counted for the refused clients")
        .isEmpty();
  }

  @Test
  void aServiceThatIsGoneFailsTheCallWithinItsDeadline() {
    try (RateLimitClient gone =
        new RateLimitClient(
            "localhost:" + Ports.free(),
            clientTls.credentials(),
            Duration.ofMillis(200),
            Duration.ofMillis(200))) {
      assertThatThrownBy(
              () ->
                  gone.check("default", "chat", "alice", "demo-chat", 1, true)
                      .get(10, TimeUnit.SECONDS))
          .hasMessageMatching("(?s).*(UNAVAILABLE|DEADLINE_EXCEEDED).*");
      assertThatThrownBy(
              () -> gone.settle(ALICE, new Tokens(1, 0, 0, 1, null)).get(10, TimeUnit.SECONDS))
          .hasMessageMatching("(?s).*(UNAVAILABLE|DEADLINE_EXCEEDED).*");
    }
  }
}
