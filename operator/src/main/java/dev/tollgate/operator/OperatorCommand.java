package dev.tollgate.operator;

import dev.tollgate.certs.CertificateKeeper;
import dev.tollgate.certs.ServiceCertificateOptions;
import dev.tollgate.cli.ProviderPolicyOptions;
import dev.tollgate.cli.TracingOptions;
import dev.tollgate.model.ClientKeyWatch;
import dev.tollgate.xds.ServiceTls;
import dev.tollgate.xds.XdsSettings;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code tollgate operator}: reconciles ModelProviders, AIRoutes and TokenQuotas from the
 * Kubernetes API, writes their status and Events, and serves the resulting configuration to Envoy
 * over ADS. Runs until SIGTERM, then shuts down gracefully.
 */
@Command(
    name = "operator",
    mixinStandardHelpOptions = true,
    description =
        "Reconcile Tollgate resources from the Kubernetes API (status, Events) and serve the"
            + " configuration to Envoy over ADS. Uses the in-cluster service account, or"
            + " ~/.kube/config.")
public final class OperatorCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(OperatorCommand.class);

  @Spec CommandSpec spec;

  @Option(
      names = "--namespaces",
      split = ",",
      description = "Namespaces to watch (comma-separated); default: all.")
  List<String> namespaces = List.of();

  @Option(
      names = "--secret-selector",
      defaultValue = "",
      description =
          "Label selector of the Secrets to read (provider keys and client keys), e.g."
              + " tollgate.dev/secret=true; default: every Secret in the watched namespaces.")
  String secretSelector;

  @Mixin ProviderPolicyOptions providerPolicy = new ProviderPolicyOptions();

  @Option(
      names = "--client-key-selector",
      defaultValue = ClientKeyWatch.DEFAULT_SELECTOR,
      description =
          "The processor's --client-key-selector: the label selector of the Secrets it reads"
              + " client keys from. A route's client Secret that does not match gets"
              + " ResolvedRefs=False, ClientKeyNotWatched, naming the Secret and the label, and is"
              + " left out (the route's other keys keep working). Blank: the processor reads every"
              + " Secret. Default: ${DEFAULT-VALUE}, as the processor's.")
  String clientKeySelector;

  @Mixin TracingOptions tracing = new TracingOptions();

  /** The audit trail's database: only --ledger-database, --ledger-user and the password apply. */
  @Mixin dev.tollgate.usage.LedgerOptions ledgerOptions = new dev.tollgate.usage.LedgerOptions();

  @Option(names = "--ads-address", defaultValue = "0.0.0.0", description = "ADS bind address.")
  String adsAddress;

  @Option(names = "--ads-port", defaultValue = "18000", description = "ADS port for Envoy.")
  int adsPort;

  @Option(
      names = "--node-group",
      defaultValue = "tollgate",
      description = "Envoy node cluster (--service-cluster) to publish to. Default: tollgate.")
  String nodeGroup;

  @Option(
      names = "--listener-port",
      defaultValue = "10000",
      description = "Port of Envoy's listener.")
  int listenerPort;

  @Option(
      names = "--processor",
      defaultValue = "tollgate-processor:10001",
      description = "host:port of the processor (ext_proc) service, as Envoy reaches it.")
  String processor;

  @Option(
      names = "--ratelimit",
      defaultValue = "tollgate-ratelimit:10002",
      description = "host:port of the rate-limit service, as Envoy reaches it.")
  String rateLimit;

  @Option(
      names = "--rate-limit-fail-open",
      description = "Let requests pass when the rate-limit service is unreachable.")
  boolean rateLimitFailOpen;

  @Option(
      names = "--ca-bundle",
      defaultValue = XdsSettings.DEFAULT_CA_BUNDLE,
      description = "CA bundle in Envoy's file system for provider certificates.")
  String caBundle;

  @Mixin ServiceCertificateOptions certificates = new ServiceCertificateOptions();

  @Option(
      names = "--tls-dir",
      description =
          "Directory with the ADS server's tls.crt, tls.key and the ca.crt Envoy's client"
              + " certificate must chain to; re-read when they change. Without it ADS is plaintext.")
  java.nio.file.Path tlsDir;

  @Option(
      names = "--envoy-tls-dir",
      description =
          "Directory, in Envoy's file system, of Envoy's client certificate (tls.crt, tls.key) and"
              + " the ca.crt of the processor and rate-limit service: Envoy reaches them over"
              + " mutual TLS. Needs --envoy-sds-dir.")
  String envoyTlsDir;

  @Option(
      names = "--envoy-sds-dir",
      description =
          "Directory, in Envoy's file system, of the SDS files naming those certificates"
              + " (service-client-certificate.json, service-ca.json).")
  String envoySdsDir;

  @Option(
      names = "--listener-tls-secret",
      description =
          "Kubernetes TLS Secret (NAMESPACE/NAME, tls.crt and tls.key) of the gateway listener:"
              + " it then serves HTTPS only, the certificate sent to Envoy over SDS and swapped"
              + " when the Secret changes. Without it the listener is plaintext.")
  String listenerTlsSecret;

  @Option(
      names = "--probe-port",
      defaultValue = "8080",
      description = "Port of /healthz, /readyz and /metrics; -1 for none.")
  int probePort;

  @Option(
      names = "--usage-port",
      defaultValue = "9091",
      description =
          "Port of /usage/report and /audit (tollgate usage and tollgate audit --server): spend"
              + " per team and client, and the published configuration versions, from"
              + " --ledger-database; served only with it. Its own port, so that the NetworkPolicy"
              + " can keep it from those who may scrape metrics; -1 for none. Default:"
              + " ${DEFAULT-VALUE}.")
  int usagePort;

  @Option(
      names = "--leader-election",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description = "Elect a leader through a Lease (default: on; --no-leader-election for one).")
  boolean leaderElection;

  @Option(
      names = "--lease-name",
      defaultValue = "tollgate-operator",
      description = "Name of the Lease.")
  String leaseName;

  @Option(
      names = "--lease-namespace",
      description = "Namespace of the Lease; default: $POD_NAMESPACE, else the client's namespace.")
  String leaseNamespace;

  @Option(
      names = "--quota-usage-interval",
      defaultValue = "30s",
      description = "How often a TokenQuota's usage is read into its status.")
  String quotaUsageInterval;

  @Option(
      names = "--coalesce",
      defaultValue = "200ms",
      description = "How long changes are collected before the model is rebuilt.")
  String coalesce;

  @Option(
      names = "--quota-usage-url",
      defaultValue = "",
      description =
          "Base URL of the rate-limit service's /usage (its --usage-port), e.g."
              + " http://tollgate-ratelimit.tollgate-system.svc:9091; TokenQuota status then shows"
              + " usage. Default: none (no usage in status).")
  String quotaUsageUrl;

  @Override
  public Integer call() throws InterruptedException {
    OperatorSettings settings = settings();
    dev.tollgate.ledger.LedgerDatabase auditDatabase =
        ledgerOptions.database(false, java.nio.file.Path.of(System.getProperty("java.io.tmpdir")));
    // Connected on first use, so an unreachable database delays no start and blocks no publish.
    dev.tollgate.ledger.AuditLog audit =
        auditDatabase == null ? null : new dev.tollgate.ledger.AuditLog(auditDatabase);
    if (audit != null) {
      LOG.info("audit trail of published configuration in {}", auditDatabase);
    }
    KubernetesClient client = new KubernetesClientBuilder().build();
    CertificateKeeper keeper = certificates.start(client, tlsDir, Clock.systemUTC());
    TollgateOperator operator =
        TollgateOperator.start(
            client,
            settings,
            Clock.systemUTC(),
            quotaUsageUrl.isBlank() ? null : new HttpQuotaUsageReader(URI.create(quotaUsageUrl)),
            // Another replica leads now; exit so that Kubernetes restarts this one as a candidate.
            () -> new Thread(() -> System.exit(1), "tollgate-lease-lost").start(),
            audit);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  operator.close();
                  if (keeper != null) {
                    keeper.close();
                  }
                  if (audit != null) {
                    audit.close();
                  }
                  client.close();
                  stopped.countDown();
                },
                "tollgate-shutdown"));
    stopped.await();
    LOG.info("operator stopped");
    return 0;
  }

  private ServiceTls serviceTls() {
    if ((envoyTlsDir == null) != (envoySdsDir == null)) {
      throw new IllegalArgumentException("--envoy-tls-dir and --envoy-sds-dir go together");
    }
    return envoyTlsDir == null ? null : new ServiceTls(envoyTlsDir, envoySdsDir);
  }

  /** Maps the flags onto settings. */
  OperatorSettings settings() {
    String[] proc = hostPort(processor, "--processor");
    String[] rls = hostPort(rateLimit, "--ratelimit");
    XdsSettings local = XdsSettings.local();
    XdsSettings xds =
        new XdsSettings(
            local.listenerAddress(),
            listenerPort,
            proc[0],
            Integer.parseInt(proc[1]),
            rls[0],
            Integer.parseInt(rls[1]),
            rateLimitFailOpen,
            local.processorTimeoutMillis(),
            caBundle,
            serviceTls(),
            listenerTlsSecret != null,
            tracing.tracing(spec.commandLine()));
    if (listenerTlsSecret != null && !listenerTlsSecret.matches("[a-z0-9.-]+/[a-z0-9.-]+")) {
      throw new IllegalArgumentException("--listener-tls-secret must be NAMESPACE/NAME");
    }
    Set<String> watched = new TreeSet<>();
    namespaces.stream().map(String::strip).filter(s -> !s.isEmpty()).forEach(watched::add);
    return OperatorSettings.builder()
        .namespaces(watched)
        .secretSelector(secretSelector)
        .providerPolicy(
            providerPolicy
                .policy(List.of(), spec.commandLine())
                .withClientKeySelector(clientKeySelector()))
        .ads(adsAddress, adsPort)
        .adsTls(tlsDir)
        .listenerTlsSecret(listenerTlsSecret)
        .nodeGroup(nodeGroup)
        .xds(xds)
        .probes("0.0.0.0", probePort)
        .usagePort(usagePort)
        .leaderElection(leaderElection)
        .lease(leaseName, leaseNamespace)
        .quotaUsageInterval(duration(quotaUsageInterval, "--quota-usage-interval"))
        .coalesce(duration(coalesce, "--coalesce"))
        .pod(System.getenv("POD_NAME"), System.getenv("POD_NAMESPACE"), System.getenv("POD_UID"))
        .build();
  }

  private String clientKeySelector() {
    try {
      ClientKeyWatch.parse(clientKeySelector);
      return clientKeySelector;
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--client-key-selector: " + e.getMessage());
    }
  }

  private String[] hostPort(String value, String option) {
    int colon = value.lastIndexOf(':');
    if (colon <= 0 || !value.substring(colon + 1).matches("[0-9]{1,5}")) {
      throw new ParameterException(
          spec.commandLine(),
          option + " must be host:port, e.g. tollgate-processor:10001; got '" + value + "'");
    }
    return new String[] {value.substring(0, colon), value.substring(colon + 1)};
  }

  private Duration duration(String value, String option) {
    if (!value.matches("^[0-9]{1,6}(ms|s|m)$")) {
      throw new ParameterException(
          spec.commandLine(),
          option + " must be a duration such as 500ms, 30s or 5m; got '" + value + "'");
    }
    long n = Long.parseLong(value.replaceAll("[a-z]+$", ""));
    return value.endsWith("ms")
        ? Duration.ofMillis(n)
        : value.endsWith("s") ? Duration.ofSeconds(n) : Duration.ofMinutes(n);
  }
}
