package dev.tollgate.roles;

import dev.tollgate.kube.SecretReading;
import dev.tollgate.ratelimit.RateLimitServer;
import dev.tollgate.ratelimit.RateLimitService;
import dev.tollgate.ratelimit.RateLimitSettings;
import dev.tollgate.ratelimit.UsageJson;
import dev.tollgate.ratelimit.store.BudgetStore;
import dev.tollgate.ratelimit.store.MemoryBudgetStore;
import dev.tollgate.ratelimit.store.RedisBudgetStore;
import dev.tollgate.ratelimit.store.RedisStoreSettings;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code tollgate ratelimit}: the rate-limit service as its own deployment, fed from the Kubernetes
 * API through read-only informers.
 */
@Command(
    name = "ratelimit",
    mixinStandardHelpOptions = true,
    description =
        "Run the rate-limit service as its own deployment, reading Tollgate resources and"
            + " Namespaces from the Kubernetes API (read-only; no Secret: budgets need no key)."
            + " Uses the in-cluster service account, or ~/.kube/config.")
public final class RateLimitCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(RateLimitCommand.class);

  @Mixin WatchOptions watch = new WatchOptions();

  @Mixin ServeOptions serve = new ServeOptions();

  @Mixin TokenLimitOptions tokenLimit = new TokenLimitOptions();

  @Option(
      names = "--port",
      defaultValue = "10002",
      description = "gRPC port Envoy reaches (the operator's --ratelimit). Default: 10002.")
  int port = 10002;

  @Option(
      names = "--redis",
      description =
          "Keep budgets in Redis (redis://host:port), shared by every replica; default: memory"
              + " (run one replica).")
  String redis;

  @Option(
      names = "--fail-open",
      description = "Let requests pass when the budget store cannot be reached (default: refuse).")
  boolean failOpen;

  @Override
  public Integer call() throws InterruptedException {
    KubernetesClient client = new KubernetesClientBuilder().build();
    return RoleProcess.runUntilStopped(client, start(client), serve);
  }

  /** Starts the role on a client (not closed by the role) and returns once it serves. */
  public RoleProcess start(KubernetesClient client) {
    RoleProcess role = RoleProcess.watching(client, watch, SecretReading.none());
    try {
      Clock clock = Clock.systemUTC();
      BudgetStore store =
          role.add(
              redis == null
                  ? MemoryBudgetStore.withDefaults()
                  : new RedisBudgetStore(RedisStoreSettings.of(redis), clock));
      RateLimitService service =
          new RateLimitService(
              role.publisher().current(),
              store,
              tokenLimit
                  .rateLimit(RateLimitSettings.defaults())
                  .withFailureMode(
                      failOpen
                          ? RateLimitSettings.FailureMode.OPEN
                          : RateLimitSettings.FailureMode.CLOSED),
              clock,
              role.registry());
      role.publisher().addListener(service::update);
      RateLimitServer server;
      try {
        server =
            role.add(
                RateLimitServer.start(
                    service,
                    serve.address(),
                    port,
                    Duration.ofSeconds(5),
                    serve.credentials(role, "the rate-limit service"),
                    List.of(role.grpcHealth().service())));
        role.drainsWith(server::drain);
      } catch (IOException e) {
        throw new UncheckedIOException(
            "cannot start the rate-limit service on " + serve.address() + ":" + port, e);
      }
      role.serving(
          server.port(),
          serve,
          role::watching,
          // The operator reads TokenQuota usage from here (--quota-usage-url).
          Map.of("/usage", query -> UsageJson.render(role.publisher().current(), service, query)));
      LOG.info(
          "rate-limit service serving model {} on {}:{} (store {})",
          service.policy().version(),
          serve.address(),
          server.port(),
          store.name());
      return role;
    } catch (RuntimeException e) {
      role.close();
      throw e;
    }
  }
}
