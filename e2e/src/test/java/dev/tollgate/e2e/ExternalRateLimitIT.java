package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.model.GatewayModel;
import dev.tollgate.model.GatewayModelBuilder;
import dev.tollgate.model.ProviderPolicy;
import dev.tollgate.model.source.FolderWatcher;
import dev.tollgate.ratelimit.BucketUsageReport;
import dev.tollgate.ratelimit.RateLimitServer;
import dev.tollgate.ratelimit.RateLimitService;
import dev.tollgate.ratelimit.RateLimitSettings;
import dev.tollgate.ratelimit.store.MemoryBudgetStore;
import dev.tollgate.testkit.Ports;
import dev.tollgate.tls.ServerTls;
import dev.tollgate.tls.TlsFiles;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * {@code tollgate run --ratelimit-address} with a rate-limit service started apart (here in the
 * test JVM, presenting a certificate of the run's CA, as the flag requires): the processor settles
 * every routed request there too, so the ledger equals that service's budget exactly, an aborted
 * stream included. Envoy's stream-done commit is the backstop: the processor disarms it at the end
 * of a response it settles, so the complete request is committed once, and only the aborted stream
 * is committed twice (Envoy's and the processor's, the second a duplicate).
 */
class ExternalRateLimitIT {
  static final Pattern TLS_DIR = Pattern.compile("certificates in (\\S+)");

  @Test
  void theProcessorSettlesAtTheExternalServiceAndTheLedgerEqualsItsBudgetAbortsIncluded()
      throws Exception {
    Path work = Path.of("target/e2e/external-ratelimit").toAbsolutePath();
    deleteTree(work);
    int rateLimitPort = Ports.free();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    MemoryBudgetStore store = MemoryBudgetStore.withDefaults();
    RateLimitServer server = null;
    ServerTls serverTls = null;
    try (TollgateRun gateway =
        TollgateRun.start(
            "abort", work, Map.of(), "--ratelimit-address", "127.0.0.1:" + rateLimitPort)) {
      Path tls = tlsDirectory(gateway);
      GatewayModel model;
      try (FolderWatcher folder = new FolderWatcher(gateway.manifests)) {
        model =
            GatewayModelBuilder.build(
                folder.snapshot(),
                ProviderPolicy.of(List.of(), List.of("127.0.0.0/8", "::1", "localhost"), false));
      }
      RateLimitService service =
          new RateLimitService(
              model, store, RateLimitSettings.defaults(), Clock.systemUTC(), registry);
      serverTls = ServerTls.fromFiles(TlsFiles.in(tls.resolve("server")), Duration.ofSeconds(10));
      server =
          RateLimitServer.start(
              service, "127.0.0.1", rateLimitPort, Duration.ofSeconds(1), serverTls.credentials());

      HttpResponse<String> plain =
          gateway.post(
              "/v1/chat/completions",
              AbortIT.FORGER,
              AbortIT.chat("demo-chat", 10, false),
              Map.of());
      assertThat(plain.statusCode()).as(plain.body()).isEqualTo(200);

      String received;
      try (Socket socket =
          AbortIT.send(
              gateway,
              "/v1/chat/completions",
              AbortIT.SSE,
              AbortIT.chat("demo-chat", 3000, true),
              "x-demo-words: 3000\r\nx-demo-chunk-delay-ms: 5")) {
        received =
            AbortIT.readUntil(
                socket.getInputStream(), text -> AbortIT.count(AbortIT.DELTA, text) >= 200, 20_000);
      }
      assertThat(AbortIT.count(AbortIT.DELTA, received)).as(received).isGreaterThanOrEqualTo(200);
      assertThat(received).as("the stream was left before its end").doesNotContain("[DONE]");

      Awaitility.await("both requests committed at the external service, nothing reserved")
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(200))
          .until(
              () -> {
                Map<String, BucketUsageReport> b = buckets(service);
                return b.size() == 2
                    && b.values().stream().allMatch(u -> u.reserved().signum() == 0);
              });
      Awaitility.await("the aborted stream's second commit answered as a duplicate")
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(200))
          .untilAsserted(
              () ->
                  assertThat(duplicates(registry))
                      .as(
                          "duplicate commits at the external service; its decisions: %s; the"
                              + " run's settlement metrics: %s",
                          decisions(registry), settlementMetrics(gateway))
                      .isEqualTo(1));
      Awaitility.await("both requests in the ledger")
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> ledgerTokens(gateway).size() == 2);

      Map<String, Long> committed = new HashMap<>();
      buckets(service)
          .forEach((client, usage) -> committed.put(client, usage.used().longValueExact()));
      assertThat(committed.get("sse")).as("the aborted stream's commit").isGreaterThan(200);
      assertThat(ledgerTokens(gateway)).as("ledger vs %s", committed).isEqualTo(committed);
      assertThat(duplicates(registry)).isEqualTo(1);
      assertThat(commits(registry))
          .as(
              "commits at the external service (two settlements, Envoy's backstop for the"
                  + " aborted stream); its decisions: %s",
              decisions(registry))
          .isEqualTo(3);
    } finally {
      if (server != null) {
        server.close();
      }
      if (serverTls != null) {
        serverTls.close();
      }
      store.close();
    }
  }

  /** The external service's buckets of the abort quota, by client. */
  static Map<String, BucketUsageReport> buckets(RateLimitService service) {
    Map<String, BucketUsageReport> byClient = new HashMap<>();
    for (BucketUsageReport bucket : service.usage("abort", "budget").join()) {
      byClient.put(bucket.bucket().replaceFirst("^client=", ""), bucket);
    }
    return byClient;
  }

  static double duplicates(SimpleMeterRegistry registry) {
    Counter counter =
        registry
            .find("tollgate.ratelimit.decisions")
            .tag("phase", "commit")
            .tag("result", "duplicate")
            .counter();
    return counter == null ? 0 : counter.count();
  }

  static double commits(SimpleMeterRegistry registry) {
    return decisions(registry).entrySet().stream()
        .filter(e -> e.getKey().startsWith(dev.tollgate.model.Wire.COMMIT + "/"))
        .mapToDouble(Map.Entry::getValue)
        .sum();
  }

  static Map<String, Double> decisions(SimpleMeterRegistry registry) {
    Map<String, Double> byResult = new java.util.TreeMap<>();
    for (Counter c : registry.find("tollgate.ratelimit.decisions").counters()) {
      byResult.put(c.getId().getTag("phase") + "/" + c.getId().getTag("result"), c.count());
    }
    return byResult;
  }

  static List<String> settlementMetrics(TollgateRun gateway) {
    return TollgateRun.get(gateway.metricsUrl() + "/metrics", null)
        .body()
        .lines()
        .filter(l -> l.startsWith("tollgate_processor_settlement"))
        .toList();
  }

  /** The ledger's input + output tokens by client, this month. */
  static Map<String, Long> ledgerTokens(TollgateRun gateway) throws Exception {
    String period = YearMonth.now(ZoneOffset.UTC).toString();
    HttpResponse<String> r =
        TollgateRun.get(
            gateway.metricsUrl() + "/usage/report?period=" + period + "&by=client&output=json",
            null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    Map<String, Long> tokens = new HashMap<>();
    for (JsonNode row : BudgetIT.JSON.readTree(r.body()).path("rows")) {
      tokens.merge(
          row.path("client").asText(),
          row.path("input_tokens").asLong() + row.path("output_tokens").asLong(),
          Long::sum);
    }
    return tokens;
  }

  static Path tlsDirectory(TollgateRun gateway) {
    for (String line : gateway.logLines()) {
      Matcher m = TLS_DIR.matcher(line);
      if (m.find()) {
        return Path.of(m.group(1));
      }
    }
    throw new AssertionError("no 'certificates in' line in the log:\n" + gateway.logTail());
  }

  static void deleteTree(Path root) throws Exception {
    if (Files.exists(root)) {
      try (Stream<Path> files = Files.walk(root)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }
}
