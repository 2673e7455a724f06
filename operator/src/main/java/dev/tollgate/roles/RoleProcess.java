package dev.tollgate.roles;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A data-plane role started from the Kubernetes API: its model watcher, gRPC server and probes. */
public final class RoleProcess implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RoleProcess.class);

  private final Deque<AutoCloseable> started = new ArrayDeque<>();
  private ModelWatcher watcher;
  private int servicePort = -1;
  private int healthPort = -1;

  RoleProcess() {}

  <T extends AutoCloseable> T add(T closeable) {
    started.push(closeable);
    return closeable;
  }

  void watcher(ModelWatcher watcher) {
    this.watcher = add(watcher);
  }

  void ports(int service, int health) {
    this.servicePort = service;
    this.healthPort = health;
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
