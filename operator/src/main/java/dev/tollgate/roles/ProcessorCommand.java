package dev.tollgate.roles;

import dev.tollgate.processor.Processor;
import dev.tollgate.processor.ProcessorConfig;
import dev.tollgate.processor.ProcessorServer;
import dev.tollgate.run.HealthServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code tollgate processor}: the processor (Envoy's ext_proc service) as its own deployment, fed
 * from the Kubernetes API through read-only informers.
 */
@Command(
    name = "processor",
    mixinStandardHelpOptions = true,
    description =
        "Run the processor (ext_proc) as its own deployment, reading Tollgate resources, Secrets"
            + " and Namespaces from the Kubernetes API (read-only). Uses the in-cluster service"
            + " account, or ~/.kube/config.")
public final class ProcessorCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(ProcessorCommand.class);

  @Mixin WatchOptions watch = new WatchOptions();

  @Option(names = "--address", defaultValue = "0.0.0.0", description = "gRPC bind address.")
  String address = "0.0.0.0";

  @Option(
      names = "--port",
      defaultValue = "10001",
      description = "gRPC port Envoy reaches (the operator's --processor). Default: 10001.")
  int port = 10001;

  @Option(
      names = "--probe-port",
      defaultValue = "8080",
      description = "Port of /healthz, /readyz and /metrics; -1 for none.")
  int probePort = 8080;

  @Override
  public Integer call() throws InterruptedException {
    KubernetesClient client = new KubernetesClientBuilder().build();
    return RoleProcess.runUntilStopped(client, start(client));
  }

  /** Starts the role on a client (not closed by the role) and returns once it serves. */
  public RoleProcess start(KubernetesClient client) {
    RoleProcess role = new RoleProcess();
    try {
      Clock clock = Clock.systemUTC();
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      role.add(registry::close);
      role.watcher(
          ModelWatcher.start(
              client,
              watch.namespaces(),
              watch.secretSelector(),
              Duration.ofMillis(200),
              Duration.ofMinutes(2)));
      Processor processor = new Processor(ProcessorConfig.defaults(), clock, registry);
      role.watcher().addListener(processor::update);
      ProcessorServer server = role.add(ProcessorServer.start(address, port, processor));
      HealthServer health =
          probePort < 0
              ? null
              : role.add(
                  HealthServer.start(
                      address,
                      probePort,
                      registry,
                      role.watcher()::healthy,
                      () -> processor.modelVersion() != null && role.watcher().healthy(),
                      java.util.Map.of()));
      role.ports(server.port(), health == null ? -1 : health.port());
      LOG.info(
          "processor serving model {} on {}:{}", processor.modelVersion(), address, server.port());
      return role;
    } catch (RuntimeException e) {
      role.close();
      throw e;
    }
  }
}
