package dev.tollgate.bench.ledger;

import dev.tollgate.testkit.Ports;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The gateway's latency with the usage ledger on (tollgate run's embedded default) and off ({@code
 * --no-ledger}): two {@code tollgate run} processes on the same manifests and demo upstream, driven
 * in turn at a fixed open-loop rate, rounds interleaved ABBA (off then on, on then off, ...) so
 * that the machine's load falls on both alike and neither always goes first. Each round's p99 is
 * compared, with the load average at its start; the medians over rounds are the figure to quote on
 * a shared machine, since one burst of another process spoils one round, not the median. Latency is
 * measured from each request's scheduled send time, so a stall counts against the gateway that
 * stalled. Not a test: it prints a table for bench/README.md.
 *
 * <p>Usage: {@code GatewayLedgerBench <tollgate.jar> [rate/s] [seconds per round] [rounds]}.
 */
public final class GatewayLedgerBench {
  private static final String KEY = "tg-bench-ledger-client-key-0001";
  private static final String BODY =
      "{\"model\":\"demo-chat\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":"
          + "\"Hello there, how are you?\"}]}";

  private GatewayLedgerBench() {}

  public static void main(String[] args) throws Exception {
    Path jar = Path.of(args[0]);
    int rate = args.length > 1 ? Integer.parseInt(args[1]) : 100;
    int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 20;
    int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 3;
    Path work = Files.createTempDirectory("tollgate-ledger-bench");
    Map<String, Gateway> gateways = new LinkedHashMap<>();
    try {
      gateways.put("off", Gateway.start(jar, work.resolve("off"), "--no-ledger"));
      gateways.put("on", Gateway.start(jar, work.resolve("on")));
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      for (Gateway g : gateways.values()) {
        load(http, g, rate, 5); // warm-up
      }
      Map<String, List<Long>> latencies = new LinkedHashMap<>();
      Map<String, long[]> failures = new LinkedHashMap<>();
      List<String> modes = new ArrayList<>(gateways.keySet());
      List<Double> ratios = new ArrayList<>();
      List<Double> roundP99Off = new ArrayList<>();
      List<Double> roundP99On = new ArrayList<>();
      List<Double> loads = new ArrayList<>();
      StringBuilder roundsTable = new StringBuilder();
      roundsTable.append(
          "| round | order | load average (1 min) | p99 off | p99 on | on / off |\n");
      roundsTable.append("|---|---|---|---|---|---|\n");
      for (int r = 0; r < rounds; r++) {
        // ABBA: off first in even rounds, on first in odd ones, so neither always goes first.
        List<String> order = r % 2 == 0 ? modes : List.of(modes.get(1), modes.get(0));
        Map<String, Double> p99 = new LinkedHashMap<>();
        double load = loadAverage();
        loads.add(load);
        for (String mode : order) {
          Result result = load(http, gateways.get(mode), rate, seconds);
          latencies.computeIfAbsent(mode, k -> new ArrayList<>()).addAll(result.micros());
          failures.computeIfAbsent(mode, k -> new long[1])[0] += result.failed();
          p99.put(mode, pct(result.micros(), 99) / 1000.0);
          System.err.printf("round %d %s: p99 %.2f ms%n", r + 1, mode, p99.get(mode));
        }
        double ratio = p99.get("on") / p99.get("off");
        ratios.add(ratio);
        roundP99Off.add(p99.get("off"));
        roundP99On.add(p99.get("on"));
        roundsTable.append(
            String.format(
                "| %d | %s | %.1f | %.2f ms | %.2f ms | %.3f |%n",
                r + 1, String.join(", ", order), load, p99.get("off"), p99.get("on"), ratio));
      }
      System.out.printf(
          "%d req/s, %d s x %d rounds per mode, interleaved ABBA%n%n", rate, seconds, rounds);
      System.out.print(roundsTable);
      System.out.println();
      System.out.println("| ledger | requests | failed | p50 | p90 | p99 | max |");
      System.out.println("|---|---|---|---|---|---|---|");
      for (var e : latencies.entrySet()) {
        List<Long> l = e.getValue();
        System.out.printf(
            "| %s | %d | %d | %.2f ms | %.2f ms | %.2f ms | %.2f ms |%n",
            e.getKey(),
            l.size(),
            failures.get(e.getKey())[0],
            pct(l, 50) / 1000.0,
            pct(l, 90) / 1000.0,
            pct(l, 99) / 1000.0,
            pct(l, 100) / 1000.0);
      }
      long within = ratios.stream().filter(x -> x <= 1.10).count();
      System.out.printf(
          "%nall rounds pooled, p99 on / off: %.3f%n"
              + "median of the rounds' p99: off %.2f ms, on %.2f ms%n"
              + "median of the rounds' on / off: %.3f; rounds with on within 10%% of off: %d of %d%n"
              + "load average (1 min) at the rounds' start: median %.1f, min %.1f, max %.1f%n",
          (double) pct(latencies.get("on"), 99) / pct(latencies.get("off"), 99),
          median(roundP99Off),
          median(roundP99On),
          median(ratios),
          within,
          ratios.size(),
          median(loads),
          loads.stream().mapToDouble(Double::doubleValue).min().orElse(0),
          loads.stream().mapToDouble(Double::doubleValue).max().orElse(0));
    } finally {
      gateways.values().forEach(Gateway::stop);
    }
  }

  private record Result(List<Long> micros, long failed) {}

  /** Sends {@code rate} requests a second for {@code seconds}, open loop. */
  private static Result load(HttpClient http, Gateway g, int rate, int seconds)
      throws InterruptedException {
    int total = rate * seconds;
    long[] micros = new long[total];
    AtomicLong failed = new AtomicLong();
    List<CompletableFuture<?>> pending = new ArrayList<>(total);
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + g.port() + "/v1/chat/completions"))
            .header("authorization", "Bearer " + KEY)
            .header("content-type", "application/json")
            .timeout(Duration.ofSeconds(10))
            .POST(HttpRequest.BodyPublishers.ofString(BODY))
            .build();
    long start = System.nanoTime();
    long interval = 1_000_000_000L / rate;
    for (int i = 0; i < total; i++) {
      long due = start + i * interval;
      long wait = due - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
      int index = i;
      pending.add(
          http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
              .handle(
                  (response, error) -> {
                    micros[index] = (System.nanoTime() - due) / 1_000;
                    if (error != null || response.statusCode() != 200) {
                      failed.incrementAndGet();
                    }
                    return null;
                  }));
    }
    CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).join();
    List<Long> list = new ArrayList<>(total);
    Arrays.stream(micros).forEach(list::add);
    return new Result(list, failed.get());
  }

  private static double median(List<Double> values) {
    double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  /** The machine's 1-minute load average, from /proc/loadavg (-1 where there is none). */
  private static double loadAverage() {
    try {
      return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  private static long pct(List<Long> values, int percentile) {
    long[] sorted = values.stream().mapToLong(Long::longValue).sorted().toArray();
    int index = (int) Math.ceil(percentile / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }

  /** One {@code tollgate run} process. */
  private record Gateway(Process process, int port) {
    static Gateway start(Path jar, Path work, String... extra)
        throws IOException, InterruptedException {
      int port = Ports.free();
      int metrics = Ports.free();
      int demo = Ports.free();
      Path manifests = Files.createDirectories(work.resolve("manifests"));
      Files.writeString(
          manifests.resolve("bench.yaml"), MANIFESTS.replace("${DEMO_PORT}", String.valueOf(demo)));
      List<String> command =
          new ArrayList<>(
              List.of(
                  "java",
                  "-Xmx512m",
                  "-jar",
                  jar.toString(),
                  "run",
                  "-f",
                  manifests.toString(),
                  "--port",
                  String.valueOf(port),
                  "--processor-port",
                  String.valueOf(Ports.free()),
                  "--ratelimit-port",
                  String.valueOf(Ports.free()),
                  "--ads-port",
                  String.valueOf(Ports.free()),
                  "--envoy-admin-port",
                  String.valueOf(Ports.free()),
                  "--metrics-port",
                  String.valueOf(metrics),
                  "--demo-upstream-port",
                  String.valueOf(demo),
                  "--work-dir",
                  work.resolve("run").toString()));
      command.addAll(List.of(extra));
      Process p =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(work.resolve("tollgate.log").toFile())
              .start();
      HttpClient http = HttpClient.newHttpClient();
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
      while (System.nanoTime() < deadline) {
        if (!p.isAlive()) {
          throw new IllegalStateException(
              "tollgate run exited; see " + work.resolve("tollgate.log"));
        }
        try {
          HttpResponse<Void> r =
              http.send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metrics + "/readyz"))
                      .build(),
                  HttpResponse.BodyHandlers.discarding());
          if (r.statusCode() == 200) {
            return new Gateway(p, port);
          }
        } catch (IOException e) {
          // not listening yet
        }
        Thread.sleep(250);
      }
      p.destroy();
      throw new IllegalStateException("tollgate run not ready in 3 minutes; see " + work);
    }

    void stop() {
      process.destroy();
      try {
        process.waitFor(20, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      process.destroyForcibly();
    }
  }

  private static final String MANIFESTS =
      """
      apiVersion: v1
      kind: Secret
      metadata: {name: demo-key, namespace: bench}
      stringData: {apiKey: demo-upstream-secret-key}
      ---
      apiVersion: tollgate.dev/v1alpha1
      kind: ModelProvider
      metadata: {name: demo, namespace: bench}
      spec:
        type: OpenAICompatible
        endpoint: {url: "http://127.0.0.1:${DEMO_PORT}"}
        credentials: {name: demo-key}
        models:
          - {name: demo-chat, contextWindow: 32768, pricing: {currency: USD, inputPerMillion: "0.5", outputPerMillion: "1.5"}}
      ---
      apiVersion: v1
      kind: Secret
      metadata:
        name: bench-client
        namespace: bench
        labels: {tollgate.dev/client-key: "true", tollgate.dev/client: bench-client}
      stringData: {apiKey: tg-bench-ledger-client-key-0001}
      ---
      apiVersion: tollgate.dev/v1alpha1
      kind: AIRoute
      metadata: {name: chat, namespace: bench}
      spec:
        clients: {apiKeys: {secretSelector: {matchLabels: {tollgate.dev/client-key: "true"}}}}
        rules:
          - models: [demo-chat]
            backends: [{provider: {name: demo}, model: demo-chat}]
      ---
      apiVersion: tollgate.dev/v1alpha1
      kind: TokenQuota
      metadata: {name: budget, namespace: bench}
      spec:
        mode: Enforce
        limits:
          - {name: tokens, type: Tokens, amount: "999999999999", window: 1m, per: [Client]}
      """;
}
