package dev.tollgate.roles;

import dev.tollgate.kube.KubernetesSource;
import dev.tollgate.kube.SecretReading;
import dev.tollgate.model.source.ModelPublisher;
import dev.tollgate.serving.GrpcHealth;
import dev.tollgate.serving.HealthServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A data-plane role started from the Kubernetes API: its source and model publisher, gRPC server
 * and probes. It stops gracefully ({@link #stop}): first it reports that it is stopping (/readyz
 * 503, gRPC health NOT_SERVING) while it still serves, then its gRPC server says GOAWAY and drains.
 */
public final class RoleProcess implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RoleProcess.class);

  private final Deque<AutoCloseable> started = new ArrayDeque<>();
  private final GrpcHealth grpcHealth = new GrpcHealth();
  private Consumer<Duration> drainServer;
  private PrometheusMeterRegistry registry;
  private KubernetesSource source;
  private ModelPublisher publisher;
  private int servicePort = -1;
  private int healthPort = -1;
  private int usagePort = -1;

  private RoleProcess() {}

  /**
   * Starts what every role has: its metrics registry and the publisher that builds its model from
   * the Kubernetes API, with a first model built once every informer has listed. The caller adds
   * its service, then calls {@link #serving}; if it fails, it closes the role.
   *
   * @param secrets which Secrets the role reads (the processor its client keys, the rate-limit
   *     service none)
   */
  static RoleProcess watching(KubernetesClient client, WatchOptions watch, SecretReading secrets) {
    RoleProcess role = new RoleProcess();
    try {
      role.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      role.add(role.registry::close);
      role.source =
          role.add(
              KubernetesSource.allKinds(
                  client,
                  watch.namespaces(),
                  secrets,
                  Duration.ofMinutes(2),
                  "(check the role's RBAC: list, watch)"));
      role.publisher =
          role.add(
              new ModelPublisher(
                  role.source,
                  watch.providerPolicy(),
                  Duration.ofMillis(200),
                  ModelPublisher.Scheduler.ownThread("tollgate-model-publisher"),
                  ModelPublisher.Gate.OPEN));
      role.source.start(role.publisher::requestBuild);
      role.publisher.start();
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

  /** Returns the gRPC health service the role's gRPC server must carry. */
  GrpcHealth grpcHealth() {
    return grpcHealth;
  }

  /** Records how the role's gRPC server drains when the role stops ({@link #stop}). */
  void drainsWith(Consumer<Duration> drain) {
    this.drainServer = drain;
  }

  /** Returns the registry the role's meters go to and /metrics serves. */
  PrometheusMeterRegistry registry() {
    return registry;
  }

  /**
   * Records the port the role's gRPC service bound and, unless {@code serve.probePort()} is
   * negative, starts /healthz (the source is watching), /readyz ({@code ready}, and not stopping)
   * and /metrics; extra JSON endpoints get a server of their own on {@code serve.usagePort()}
   * unless it is negative.
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
                  serve.address(),
                  serve.probePort(),
                  registry,
                  this::watching,
                  () -> grpcHealth.serving() && ready.getAsBoolean(),
                  Map.of()))
              .port();
    }
    if (!json.isEmpty() && serve.usagePort() >= 0) {
      usagePort =
          add(HealthServer.json(serve.address(), serve.usagePort(), "tollgate-usage", json)).port();
    }
  }

  /** Returns the publisher feeding the role's service its models. */
  public ModelPublisher publisher() {
    return publisher;
  }

  /** Returns whether every informer of the role's source is watching. */
  public boolean watching() {
    return source.healthy();
  }

  /** Returns the port of the role's gRPC service. */
  public int servicePort() {
    return servicePort;
  }

  /** Returns the port of /healthz, /readyz and /metrics, or -1 when there is none. */
  public int healthPort() {
    return healthPort;
  }

  /** Returns the port of the role's extra JSON endpoints ({@code /usage}), or -1 when none. */
  public int usagePort() {
    return usagePort;
  }

  /**
   * Stops the role gracefully: /readyz answers 503 and the gRPC health service NOT_SERVING at once;
   * after {@code delay} (Envoy's health checks see it within that) the gRPC server says GOAWAY and
   * its open streams get up to {@code drain} to finish; then everything closes.
   */
  void stop(Duration delay, Duration drain) {
    grpcHealth.stopServing();
    LOG.info(
        "stopping: not ready from now on; GOAWAY in {} s, then up to {} s for open streams",
        delay.toSeconds(),
        drain.toSeconds());
    try {
      Thread.sleep(delay.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (drainServer != null) {
      drainServer.accept(drain);
    }
    close();
  }

  /**
   * Runs a role until SIGTERM, then stops it gracefully ({@link #stop}) and closes the client;
   * returns the exit status.
   */
  static int runUntilStopped(KubernetesClient client, RoleProcess role, ServeOptions serve)
      throws InterruptedException {
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  role.stop(serve.shutdownDelay(), serve.drain());
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
