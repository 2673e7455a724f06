package dev.tollgate.roles;

import dev.tollgate.kube.SecretReading;
import dev.tollgate.model.ClientKeyWatch;
import dev.tollgate.processor.JwksFetchPolicy;
import dev.tollgate.processor.Processor;
import dev.tollgate.processor.ProcessorConfig;
import dev.tollgate.processor.ProcessorServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.time.Clock;
import java.util.List;
import java.util.Map;
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
        "Run the processor (ext_proc) as its own deployment, reading Tollgate resources,"
            + " Namespaces and client-key Secrets from the Kubernetes API (read-only). Uses the"
            + " in-cluster service account, or ~/.kube/config.")
public final class ProcessorCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(ProcessorCommand.class);

  @Mixin WatchOptions watch = new WatchOptions();

  @Mixin ServeOptions serve = new ServeOptions();

  @Mixin TokenLimitOptions tokenLimit = new TokenLimitOptions();

  @Mixin RateLimitClientOptions rateLimitClient = new RateLimitClientOptions();

  @Mixin dev.tollgate.usage.LedgerOptions ledgerOptions = new dev.tollgate.usage.LedgerOptions();

  @Option(
      names = "--port",
      defaultValue = "10001",
      description = "gRPC port Envoy reaches (the operator's --processor). Default: 10001.")
  int port = 10001;

  @Option(
      names = "--client-key-selector",
      defaultValue = ClientKeyWatch.DEFAULT_SELECTOR,
      description =
          "Label selector of the client-key Secrets the processor reads (ANDed with"
              + " --secret-selector); no other Secret is read. Routes' clients.apiKeys.secretSelector"
              + " must pick Secrets carrying it. Blank: every Secret. Default: ${DEFAULT-VALUE}, the"
              + " label tollgate keys create writes. Give the operator the same value.")
  String clientKeySelector = ClientKeyWatch.DEFAULT_SELECTOR;

  @Option(
      names = "--jwks-allow-http",
      description = "Fetch JWKS from http:// URLs too (default: https only).")
  boolean jwksAllowHttp;

  @Option(
      names = "--jwks-allow-private-addresses",
      description =
          "Fetch JWKS from cluster-internal, private, loopback and link-local addresses too"
              + " (default: public addresses only), e.g. an in-cluster identity provider.")
  boolean jwksAllowPrivateAddresses;

  @Override
  public Integer call() throws InterruptedException {
    KubernetesClient client = new KubernetesClientBuilder().build();
    return RoleProcess.runUntilStopped(client, start(client), serve);
  }

  /** Starts the role on a client (not closed by the role) and returns once it serves. */
  public RoleProcess start(KubernetesClient client) {
    RoleProcess role =
        RoleProcess.watching(
            client, watch, SecretReading.clientKeys(watch.secretSelector(), clientKeySelector));
    try {
      Processor processor =
          new Processor(
              tokenLimit.processor(ProcessorConfig.defaults()),
              JwksFetchPolicy.defaults().withLocalAllowed(jwksAllowHttp, jwksAllowPrivateAddresses),
              Clock.systemUTC(),
              role.registry());
      role.publisher().addListener(processor::update);
      RateLimitClient budgets = rateLimitClient.client(role);
      if (budgets != null) {
        // Tiered rules ask before they route; each request's usage is settled for the ledger.
        processor.tierProbe(budgets);
        processor.settleWith(budgets);
      }
      dev.tollgate.ledger.LedgerWriter ledger =
          ledgerOptions.start(
              ledgerOptions.database(
                  false,
                  java.nio.file.Path.of(System.getProperty("java.io.tmpdir"), "tollgate-ledger")));
      if (ledger != null) {
        processor.recordTo(role.add(ledger));
      }
      ProcessorServer server =
          role.add(
              ProcessorServer.start(
                  serve.address(),
                  port,
                  processor,
                  serve.credentials(role, "the processor"),
                  List.of(role.grpcHealth().service())));
      role.drainsWith(server::drain);
      role.serving(
          server.port(),
          serve,
          () -> processor.modelVersion() != null && role.watching(),
          Map.of());
      LOG.info(
          "processor serving model {} on {}:{}",
          processor.modelVersion(),
          serve.address(),
          server.port());
      return role;
    } catch (RuntimeException e) {
      role.close();
      throw e;
    }
  }
}
