package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.testkit.Ports;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The ledger of {@code tollgate run} against its budget store, through a real Envoy: 10,000 mixed
 * requests (JSON and streamed answers, clients that close mid-stream, upstream 500s retried, a
 * fallback from a provider that is down, an outage, a provider's own 429, the budget's refusals)
 * are 10,000 records whose tokens and cost per client equal what the budget store committed (a
 * Tokens and a Cost limit), exactly, for every client, those that abort mid-stream included; and
 * two requests sent with one forged {@code x-request-id} are two records and two commits.
 */
class LedgerReconciliationIT {
  static final int REQUESTS = 10_000;
  static final int CONCURRENCY = 6;
  static final String ALICE = "tg-e2e-recon-alice-01";
  static final String BOB = "tg-e2e-recon-bob-0001";
  static final String TIGHT = "tg-e2e-recon-tight-01";
  static final String FORGER = "tg-e2e-recon-forge-01";
  static final String QUITTER = "tg-e2e-recon-quit-001";
  static final String TOKENS_LIMIT = "tokens-per-client-month";
  static final String COST_LIMIT = "cost-per-client-month";

  /** Reads the report's cost as the exact decimal it was written as, not a double. */
  static final com.fasterxml.jackson.databind.ObjectMapper DECIMALS =
      new com.fasterxml.jackson.databind.ObjectMapper()
          .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

  TollgateRun gateway;

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
  }

  /** What one kind of request is, by its position in the run. */
  private record Kind(
      String name, String key, String model, boolean stream, Map<String, String> headers) {}

  private static Kind kind(int i) {
    String key = i % 2 == 0 ? ALICE : BOB;
    return switch (i % 20) {
      case 8, 9, 10 -> new Kind("stream", key, "demo-chat", true, Map.of());
      case 11 -> new Kind("server-error", key, "demo-chat", false, Map.of("x-demo-status", "500"));
      case 12 -> new Kind("fallback", key, "fallback", false, Map.of());
      case 13 -> new Kind("outage", key, "outage", false, Map.of());
      case 14, 15, 16 -> new Kind("tight", TIGHT, "demo-chat", false, Map.of());
      case 17 -> new Kind("abort", QUITTER, "demo-chat", true, Map.of());
      case 18 -> new Kind("tight-stream", TIGHT, "demo-chat", true, Map.of());
      case 19 -> new Kind("provider-429", key, "demo-chat", false, Map.of("x-demo-status", "429"));
      default -> new Kind("json", key, "demo-chat", false, Map.of());
    };
  }

  @Test
  void tenThousandMixedRequestsAreTenThousandRecordsThatAgreeWithTheBudgetExactly()
      throws Exception {
    Path work = Path.of("target/e2e/ledger-reconciliation").toAbsolutePath();
    if (Files.exists(work)) {
      try (var files = Files.walk(work)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    // Nothing listens on DOWN_URL's port: Envoy's connection is refused, a real outage.
    gateway =
        TollgateRun.start(
            "reconcile", work, Map.of("DOWN_URL", "http://127.0.0.1:" + Ports.free()));

    // Two requests with one client-sent x-request-id: two records, two commits.
    long forgedTokens = 0;
    for (int i = 0; i < 2; i++) {
      HttpResponse<String> r =
          gateway.post(
              "/v1/chat/completions",
              FORGER,
              BudgetIT.chat(10, false),
              Map.of("x-request-id", "forged-request-id-1"));
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      forgedTokens +=
          BudgetIT.sum(BudgetIT.PROMPT_TOKENS, r.body())
              + BudgetIT.sum(BudgetIT.COMPLETION_TOKENS, r.body());
    }

    Map<String, AtomicLong> statuses = new ConcurrentHashMap<>();
    ExecutorService pool = Executors.newFixedThreadPool(CONCURRENCY);
    List<Future<?>> sent = new ArrayList<>();
    long began = System.nanoTime();
    for (int t = 0; t < CONCURRENCY; t++) {
      int first = t;
      sent.add(
          pool.submit(
              () -> {
                for (int i = first; i < REQUESTS; i += CONCURRENCY) {
                  Kind k = kind(i);
                  String outcome = send(k, i);
                  statuses
                      .computeIfAbsent(k.name() + " " + outcome, x -> new AtomicLong())
                      .incrementAndGet();
                }
                return null;
              }));
    }
    for (Future<?> f : sent) {
      f.get(15, TimeUnit.MINUTES);
    }
    pool.shutdown();
    System.out.printf(
        "LedgerReconciliationIT: %d requests in %d s: %s%n",
        REQUESTS, (System.nanoTime() - began) / 1_000_000_000L, new TreeMap<>(statuses));
    Map<String, Long> seen = new TreeMap<>();
    statuses.forEach((k, v) -> seen.put(k, v.get()));
    assertThat(seen)
        .as("every kind of request answered as it should")
        .containsKeys(
            "json 200",
            "stream 200",
            "server-error 500",
            "fallback 200",
            "outage 503",
            "tight 200",
            "tight 429",
            "abort aborted",
            "provider-429 429");
    assertThat(seen.keySet())
        .allMatch(
            s ->
                s.matches(
                    "(json|stream|fallback) 200|server-error 500|outage 503"
                        + "|tight(-stream)? (200|429)|abort aborted|provider-429 429|[a-z0-9-]+ timeout"),
            "no other outcome");
    long expected = REQUESTS + 2;

    Awaitility.await("every reservation released")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () ->
                buckets(TOKENS_LIMIT).values().stream().allMatch(b -> b[1].signum() == 0)
                    && buckets(COST_LIMIT).values().stream().allMatch(b -> b[1].signum() == 0));
    Awaitility.await("every request in the ledger")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> ledgerRequests() == expected);

    Map<String, Long> ledgerTokens = new TreeMap<>();
    Map<String, BigDecimal> ledgerCost = new TreeMap<>();
    long ledgerRefused = 0;
    for (JsonNode row : report("client,budget").path("rows")) {
      String client = row.path("client").asText();
      ledgerTokens.merge(
          client,
          row.path("input_tokens").asLong() + row.path("output_tokens").asLong(),
          Long::sum);
      if (!row.path("currency").isNull()) {
        assertThat(row.path("currency").asText()).isEqualTo("USD");
        ledgerCost.merge(client, row.path("cost").decimalValue(), BigDecimal::add);
      }
      if ("refused".equals(row.path("budget").asText())) {
        ledgerRefused += row.path("requests").asLong();
      }
    }
    Map<String, Long> committed = new TreeMap<>();
    buckets(TOKENS_LIMIT).forEach((client, b) -> committed.put(client, b[0].longValueExact()));
    Map<String, BigDecimal> committedCost = new TreeMap<>();
    buckets(COST_LIMIT).forEach((client, b) -> committedCost.put(client, b[0]));
    ledgerTokens.values().removeIf(v -> v == 0);
    committed.values().removeIf(v -> v == 0);
    // Compared as exact decimals, whatever their written scale (0.00030 and 0.0003 are equal).
    ledgerCost.replaceAll((client, cost) -> cost.stripTrailingZeros());
    committedCost.replaceAll((client, cost) -> cost.stripTrailingZeros());
    ledgerCost.values().removeIf(v -> v.signum() == 0);
    committedCost.values().removeIf(v -> v.signum() == 0);
    // Aborted streams too: the processor settles each request with the rate-limit service, which
    // keeps the first commit (its own or Envoy's stream-done one), and the ledger records that.
    System.out.printf(
        "LedgerReconciliationIT: %d aborts, ledger %d tokens, committed %d for the quitter%n",
        seen.get("abort aborted"), ledgerTokens.get("quitter"), committed.get("quitter"));
    assertThat(committed).containsKey("quitter");
    assertThat(ledgerTokens).as("ledger tokens per client = budget used").isEqualTo(committed);
    assertThat(committed).containsKeys("alice", "bob", "tight", "forger");
    System.out.printf(
        "LedgerReconciliationIT: cost per client, ledger %s, committed %s%n",
        ledgerCost, committedCost);
    assertThat(committedCost).containsKeys("alice", "bob", "tight", "forger", "quitter");
    assertThat(ledgerCost).as("ledger cost per client = Cost budget used").isEqualTo(committedCost);
    assertThat(committed.get("forger")).isEqualTo(forgedTokens);
    assertThat(ledgerRefused)
        .as("refused records = the budget's 429s")
        .isEqualTo(seen.getOrDefault("tight 429", 0L) + seen.getOrDefault("tight-stream 429", 0L));

    // The records themselves, read from the embedded file once the gateway is stopped.
    gateway.close();
    Map<String, Long> byShape = new TreeMap<>();
    try (Connection c =
            DriverManager.getConnection(
                "jdbc:h2:file:" + work.resolve("run/ledger/ledger") + ";MODE=PostgreSQL");
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT client, requested_model, rule, status, attempts, budget, COUNT(*)"
                    + " FROM ledger_record GROUP BY client, requested_model, rule, status,"
                    + " attempts, budget")) {
      while (rs.next()) {
        byShape.merge(
            rs.getString(2)
                + " rule="
                + rs.getObject(3)
                + " status="
                + rs.getInt(4)
                + " attempts="
                + rs.getObject(5)
                + " "
                + rs.getString(6)
                + (rs.getString(1) != null && rs.getString(1).equals("forger") ? " forger" : ""),
            rs.getLong(7),
            Long::sum);
      }
    }
    System.out.println("LedgerReconciliationIT records: " + byShape);
    assertThat(byShape)
        .as("forged id: two records")
        .containsEntry("demo-chat rule=0 status=200 attempts=1 committed forger", 2L);
    assertThat(byShape.keySet())
        .as("a fallback from the down provider took two attempts")
        .anyMatch(k -> k.startsWith("fallback rule=1 status=200 attempts=2 "))
        .as("a 500 was retried once")
        .anyMatch(k -> k.startsWith("demo-chat rule=0 status=500 attempts=2 "))
        .as("the budget warned the tight client before refusing it")
        .anyMatch(k -> k.endsWith(" warned"))
        .noneMatch(k -> k.startsWith("fallback rule=1 status=200 attempts=1 "));
    assertThat(byShape.entrySet())
        .filteredOn(e -> e.getKey().contains(" refused"))
        .allSatisfy(e -> assertThat(e.getKey()).contains("status=429 attempts=null"));
  }

  /** Sends one request; answers its status, or {@code aborted}. */
  private String send(Kind k, int i) throws IOException {
    if (k.name().equals("abort")) {
      abort(k.key());
      return "aborted";
    }
    try {
      HttpResponse<String> r =
          gateway.post(
              "/v1/chat/completions",
              k.key(),
              AbortIT.chat(k.model(), 5 + i % 7, k.stream()),
              k.headers());
      return String.valueOf(r.statusCode());
    } catch (java.io.UncheckedIOException e) {
      // A client that gave up after 30 s on a saturated machine: Envoy sees it go away, an abort.
      return "timeout";
    }
  }

  /** Starts a long stream and closes the connection after a few events. */
  private void abort(String key) throws IOException {
    URI url = URI.create(gateway.url());
    byte[] body = BudgetIT.chat(400, true).getBytes(StandardCharsets.UTF_8);
    try (Socket socket = new Socket(url.getHost(), url.getPort())) {
      socket.setSoTimeout(15_000);
      String head =
          "POST /v1/chat/completions HTTP/1.1\r\nhost: "
              + url.getHost()
              + "\r\nauthorization: Bearer "
              + key
              + "\r\ncontent-type: application/json\r\ncontent-length: "
              + body.length
              + "\r\nx-demo-words: 400\r\nx-demo-chunk-delay-ms: 2\r\n\r\n";
      socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().write(body);
      socket.getOutputStream().flush();
      InputStream in = socket.getInputStream();
      byte[] buffer = new byte[1024];
      int events = 0;
      try {
        while (events < 10) {
          int n = in.read(buffer);
          if (n < 0) {
            break;
          }
          events += AbortIT.count(AbortIT.DELTA, new String(buffer, 0, n, StandardCharsets.UTF_8));
        }
      } catch (java.net.SocketTimeoutException e) {
        // A saturated machine stalled the stream: the client gives up and hangs up, an abort too.
      }
    }
  }

  private JsonNode report(String by) throws Exception {
    String period = YearMonth.now(ZoneOffset.UTC).toString();
    HttpResponse<String> r =
        TollgateRun.get(
            gateway.metricsUrl()
                + "/usage/report?period="
                + period
                + "&by="
                + by
                + "&namespace=recon&output=json",
            null);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return DECIMALS.readTree(r.body());
  }

  private long ledgerRequests() throws Exception {
    long n = 0;
    for (JsonNode t : report("namespace").path("totals")) {
      n += t.path("requests").asLong();
    }
    return n;
  }

  /** Used and reserved amounts per client of one limit's buckets (tokens, or USD for Cost). */
  private Map<String, BigDecimal[]> buckets(String limit) throws Exception {
    JsonNode quota =
        BudgetIT.find(
            BudgetIT.JSON.readTree(TollgateRun.get(gateway.metricsUrl() + "/usage", null).body()),
            "recon",
            "budget");
    Map<String, BigDecimal[]> out = new TreeMap<>();
    for (JsonNode bucket : quota.path("buckets")) {
      if (!bucket.path("limit").asText().equals(limit)) {
        continue;
      }
      String name = bucket.path("bucket").asText();
      String client = name.substring(name.lastIndexOf('=') + 1);
      out.put(
          client,
          new BigDecimal[] {
            new BigDecimal(bucket.path("used").asText()),
            new BigDecimal(bucket.path("reserved").asText())
          });
    }
    return out;
  }
}
