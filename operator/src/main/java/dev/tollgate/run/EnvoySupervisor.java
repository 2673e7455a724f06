package dev.tollgate.run;

import dev.tollgate.xds.EnvoyProcess;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one Envoy running for {@code tollgate run}: starts it from a bootstrap, restarts it with a
 * growing delay when it exits, and stops it on close. Thread-safe.
 */
public final class EnvoySupervisor implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EnvoySupervisor.class);

  private final Path workDir;
  private final String bootstrapJson;
  private final int adminPort;
  private final String logLevel;
  private final ScheduledExecutorService watchdog =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "tollgate-envoy-supervisor");
            t.setDaemon(true);
            return t;
          });
  private EnvoyProcess envoy;
  private long restartDelayMillis = 500;
  private long nextStartAt;
  private boolean closed;

  /** Starts Envoy and watches it. */
  public EnvoySupervisor(Path workDir, String bootstrapJson, int adminPort, String logLevel) {
    this.workDir = workDir;
    this.bootstrapJson = bootstrapJson;
    this.adminPort = adminPort;
    this.logLevel = logLevel;
    synchronized (this) {
      envoy = EnvoyProcess.start(workDir, bootstrapJson, adminPort, logLevel);
    }
    watchdog.scheduleWithFixedDelay(this::check, 1, 1, TimeUnit.SECONDS);
  }

  /** Returns the running Envoy. */
  public synchronized EnvoyProcess envoy() {
    return envoy;
  }

  private synchronized void check() {
    if (closed || envoy.isAlive()) {
      if (!closed && envoy.admin("/ready").isPresent()) {
        restartDelayMillis = 500;
      }
      return;
    }
    long now = System.currentTimeMillis();
    if (nextStartAt == 0) {
      LOG.error(
          "Envoy exited; restarting in {} ms. Last log lines:\n{}",
          restartDelayMillis,
          envoy.logTail(15));
      nextStartAt = now + restartDelayMillis;
      restartDelayMillis = Math.min(restartDelayMillis * 2, 30_000);
      return;
    }
    if (now >= nextStartAt) {
      nextStartAt = 0;
      envoy = EnvoyProcess.start(workDir, bootstrapJson, adminPort, logLevel);
      LOG.info("Envoy restarted; log: {}", envoy.log());
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    watchdog.shutdownNow();
    envoy.close();
  }
}
