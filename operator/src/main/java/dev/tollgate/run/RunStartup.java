package dev.tollgate.run;

import dev.tollgate.ratelimit.store.BudgetStore;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The start-up steps of {@code tollgate run} that are not wiring: waiting for parts, the banner.
 */
final class RunStartup {
  private static final Logger LOG = LoggerFactory.getLogger(RunStartup.class);

  private RunStartup() {}

  /**
   * Opens the store's connection before traffic arrives: the first Redis command of a cold JVM can
   * take longer than the store's command timeout and would count as an outage.
   */
  static void connect(BudgetStore store, Clock clock) throws InterruptedException {
    for (int attempt = 1; attempt <= 10; attempt++) {
      try {
        store
            .usage("tollgate-startup-check", clock.instant())
            .get(5, java.util.concurrent.TimeUnit.SECONDS);
        return;
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        LOG.info(
            "budget store {} not reachable yet (attempt {}): {}",
            store.name(),
            attempt,
            e.getMessage());
        Thread.sleep(500);
      }
    }
    LOG.warn(
        "budget store {} unreachable at start; requests follow the fail-open/fail-closed setting",
        store.name());
  }

  static String host(String address, String fallback) {
    return address == null ? fallback : address.substring(0, address.lastIndexOf(':'));
  }

  static int port(String address, int fallback) {
    return address == null
        ? fallback
        : Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
  }

  static void waitForEnvoy(EnvoySupervisor envoy) throws InterruptedException {
    for (int i = 0; i < 150; i++) {
      if (envoy.envoy().admin("/ready").isPresent()) {
        return;
      }
      Thread.sleep(200);
    }
    LOG.warn("Envoy is not ready after 30 s; its log: {}", envoy.envoy().log());
  }

  static void printWhatToTry(
      java.io.PrintWriter out,
      boolean listenerTls,
      String listenAddress,
      int port,
      int envoyAdminPort,
      int metricsPort,
      java.nio.file.Path folder) {
    String base =
        (listenerTls ? "https://" : "http://")
            + ("0.0.0.0".equals(listenAddress) ? "localhost" : listenAddress)
            + ":"
            + port;
    out.printf(
        """

        Tollgate is running on %1$s (Envoy admin 127.0.0.1:%2$d, metrics 127.0.0.1:%3$d/metrics).
        Manifests: %4$s (edits are picked up). Stop with Ctrl-C.

        Try, with the quickstart's key:
          curl -s %1$s/v1/chat/completions -H 'Authorization: Bearer tg-quickstart-alice-0001' \\
            -H 'Content-Type: application/json' -d '{"model":"fast","messages":[{"role":"user","content":"Hello"}]}'
          curl -sN %1$s/v1/chat/completions -H 'Authorization: Bearer tg-quickstart-alice-0001' \\
            -H 'Content-Type: application/json' -d '{"model":"demo-chat","stream":true,"messages":[{"role":"user","content":"Hello"}]}'
          curl -s %1$s/v1/models -H 'Authorization: Bearer tg-quickstart-alice-0001'
        Then what it cost, from the usage ledger:
          bin/tollgate usage --server http://127.0.0.1:%3$d --period %5$s --by namespace,client,model

        """,
        base,
        envoyAdminPort,
        metricsPort,
        folder.toAbsolutePath(),
        java.time.YearMonth.now(java.time.ZoneOffset.UTC));
    out.flush();
  }
}
