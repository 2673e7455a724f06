package dev.tollgate.roles;

import dev.tollgate.run.HealthServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A data-plane role started from the Kubernetes API: its model watcher, gRPC server and probes. */
public final class RoleProcess implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RoleProcess.class);

  private final Deque<AutoCloseable> started = new ArrayDeque<>();
  private PrometheusMeterRegistry registry;
  private ModelWatcher watcher;
  private int servicePort = -1;
  private int healthPort = -1;

  private RoleProcess() {}

  /**
   * Starts what every role has: its metrics registry and the watcher that builds its model from the
   * Kubernetes API. The caller adds its service, then calls {@link #serving}; if it fails, it
   * closes the role.
   */
  static RoleProcess watching(KubernetesClient client, WatchOptions watch) {
    RoleProcess role = new RoleProcess();
    try {
      role.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      role.add(role.registry::close);
      role.watcher =
          role.add(
              ModelWatcher.start(
                  client,
                  watch.namespaces(),
                  watch.secretSelector(),
                  Duration.ofMillis(200),
                  Duration.ofMinutes(2)));
      return role;
    } catch (RuntimeException e) {
      role.close();
      throw e;
    }
  }

  <T extends AutoCloseable> T add(T closeable) {
    started.push(closeable);
    return closeable;
  }

  /** Returns the registry the role's meters go to and /metrics serves. */
  PrometheusMeterRegistry registry() {
    return registry;
  }

  /**
   * Records the port the role's gRPC service bound and, unless {@code serve.probePort()} is
   * negative, starts /healthz (the watcher is healthy), /readyz and /metrics, plus extra JSON
   * endpoints.
   */
  void serving(
      int servicePort,
      ServeOptions serve,
      BooleanSupplier ready,
      Map<String, Function<String, String>> json) {
    this.servicePort = servicePort;
    if (serve.probePort() >= 0) {
      healthPort =
          add(HealthServer.start(
                  serve.address(), serve.probePort(), registry, watcher::healthy, ready, json))
              .port();
    }
  }

  /** Returns the watcher feeding the role. */
  public ModelWatcher watcher() {
    return watcher;
  }

  /** Returns the port of the role's gRPC service. */
  public int servicePort() {
    return servicePort;
  }

  /** Returns the port of /healthz, /readyz and /metrics, or -1 when there is none. */
  public int healthPort() {
    return healthPort;
  }

  /** Runs a role until SIGTERM, then closes it and the client; returns the exit status. */
  static int runUntilStopped(KubernetesClient client, RoleProcess role)
      throws InterruptedException {
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  role.close();
                  client.close();
                  stopped.countDown();
                },
                "tollgate-shutdown"));
    stopped.await();
    return 0;
  }

  @Override
  public synchronized void close() {
    while (!started.isEmpty()) {
      AutoCloseable c = started.pop();
      try {
        c.close();
      } catch (Exception e) {
        LOG.warn("stopping {} failed: {}", c.getClass().getSimpleName(), e.getMessage());
      }
    }
  }
}
