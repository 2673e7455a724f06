package dev.tollgate.ratelimit;

import dev.tollgate.model.GatewayModel;
import dev.tollgate.model.GatewayModelBuilder;
import dev.tollgate.model.source.LoadResult;
import dev.tollgate.model.source.ManifestReader;
import dev.tollgate.ratelimit.store.BudgetStore;
import dev.tollgate.ratelimit.store.MemoryBudgetStore;
import dev.tollgate.ratelimit.store.RedisBudgetStore;
import dev.tollgate.ratelimit.store.RedisStoreSettings;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a {@link RateLimitService} over gRPC and runs its housekeeping every few seconds.
 *
 * <p>The service never blocks, so calls run on the transport's threads without a hand-off.
 */
public final class RateLimitServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RateLimitServer.class);

  private final Server server;
  private final ScheduledExecutorService housekeeping;

  private RateLimitServer(Server server, ScheduledExecutorService housekeeping) {
    this.server = server;
    this.housekeeping = housekeeping;
  }

  /** Starts serving in plaintext, for tests and benchmarks on loopback. */
  public static RateLimitServer start(
      RateLimitService service, String host, int port, Duration maintenance) throws IOException {
    return start(service, host, port, maintenance, InsecureServerCredentials.create());
  }

  /**
   * Starts serving Envoy's calls and the processor's ({@link BudgetCalls}); with mutual-TLS
   * credentials a client without a certificate from the CA can neither check nor commit a budget.
   *
   * @param service the service
   * @param host address to listen on
   * @param port port to listen on, 0 for any free one
   * @param maintenance how often {@link RateLimitService#maintain} runs
   * @param credentials the server's transport credentials
   */
  public static RateLimitServer start(
      RateLimitService service,
      String host,
      int port,
      Duration maintenance,
      ServerCredentials credentials)
      throws IOException {
    return start(service, host, port, maintenance, credentials, List.of());
  }

  /**
   * Starts serving as {@link #start(RateLimitService, String, int, Duration, ServerCredentials)}
   * does, with {@code services} besides (a role's gRPC health service).
   */
  public static RateLimitServer start(
      RateLimitService service,
      String host,
      int port,
      Duration maintenance,
      ServerCredentials credentials,
      List<ServerServiceDefinition> services)
      throws IOException {
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(new InetSocketAddress(host, port), credentials)
            .directExecutor()
            .addService(service)
            .addService(BudgetCalls.service(service))
            // Envoy pings every connection, idle ones too, to find peers that went away.
            .permitKeepAliveTime(5, TimeUnit.SECONDS)
            .permitKeepAliveWithoutCalls(true);
    services.forEach(builder::addService);
    Server server = builder.build().start();
    ScheduledExecutorService housekeeping =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "tollgate-ratelimit-housekeeping");
              t.setDaemon(true);
              return t;
            });
    housekeeping.scheduleWithFixedDelay(
        () -> {
          try {
            service.maintain();
          } catch (RuntimeException e) {
            LOG.warn("rate-limit housekeeping failed", e);
          }
        },
        maintenance.toMillis(),
        maintenance.toMillis(),
        TimeUnit.MILLISECONDS);
    return new RateLimitServer(server, housekeeping);
  }

  /** Returns the port the server listens on. */
  public int port() {
    return server.getPort();
  }

  /** Blocks until the server stops. */
  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }

  @Override
  public void close() {
    drain(Duration.ofSeconds(5));
  }

  /**
   * Stops accepting calls (a GOAWAY on every connection, so clients call another replica), lets the
   * open ones finish for at most {@code timeout}, ends the rest, and stops the housekeeping.
   */
  public void drain(Duration timeout) {
    server.shutdown();
    try {
      if (!server.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        server.shutdownNow();
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    } finally {
      housekeeping.shutdownNow();
    }
  }

  /**
   * Runs the service on its own, for benchmarks and debugging: {@code --manifests DIR [--port N]
   * [--redis URI] [--fail-closed] [--metrics FILE]}. The {@code tollgate ratelimit} command of the
   * operator module is the production entry point.
   */
  public static void main(String[] args) throws Exception {
    Path manifests = null;
    int port = 10002;
    String redis = null;
    boolean failClosed = false;
    Path metricsFile = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--manifests" -> manifests = Path.of(args[++i]);
        case "--port" -> port = Integer.parseInt(args[++i]);
        case "--redis" -> redis = args[++i];
        case "--fail-closed" -> failClosed = true;
        case "--metrics" -> metricsFile = Path.of(args[++i]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    if (manifests == null) {
      throw new IllegalArgumentException("--manifests DIR is required");
    }
    LoadResult loaded = new ManifestReader().readFolder(manifests);
    loaded.errors().forEach(e -> LOG.warn("manifest left out: {}", e));
    GatewayModel model = GatewayModelBuilder.build(loaded.snapshot());
    model.statuses().stream()
        .filter(s -> !s.accepted())
        .forEach(s -> LOG.warn("not accepted: {} {}", s.resource(), s.conditions()));
    Clock clock = Clock.systemUTC();
    BudgetStore store =
        redis == null
            ? MemoryBudgetStore.withDefaults()
            : new RedisBudgetStore(RedisStoreSettings.of(redis), clock);
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    RateLimitSettings settings =
        RateLimitSettings.defaults()
            .withFailureMode(
                failClosed
                    ? RateLimitSettings.FailureMode.CLOSED
                    : RateLimitSettings.FailureMode.OPEN);
    RateLimitService service = new RateLimitService(model, store, settings, clock, registry);
    RateLimitServer server = start(service, "0.0.0.0", port, Duration.ofSeconds(5));
    Path scrapeTo = metricsFile;
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  server.close();
                  if (scrapeTo != null) {
                    try {
                      Files.writeString(scrapeTo, registry.scrape());
                    } catch (IOException e) {
                      throw new UncheckedIOException(e);
                    }
                  }
                  store.close();
                }));
    LOG.info(
        "rate-limit service on port {} with the {} store, budgets of {} namespaces",
        server.port(),
        store.name(),
        service.policy().namespaces().size());
    server.awaitTermination();
  }
}
