package dev.tollgate.operator;

import dev.tollgate.kube.KubernetesSource;
import dev.tollgate.model.GatewayModel;
import dev.tollgate.serving.HealthServer;
import dev.tollgate.tls.ServerTls;
import dev.tollgate.tls.TlsFiles;
import dev.tollgate.xds.AdsServer;
import dev.tollgate.xds.XdsTranslator;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.grpc.InsecureServerCredentials;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.ControllerConfigurationOverrider;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfigurationBuilder;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running Tollgate operator: the three reconcilers (Java Operator SDK), the informers on Secrets
 * and Namespaces, the gateway state that builds and publishes the model, the ADS server Envoy
 * connects to, leader election, and the probe and metrics server. {@link #close()} shuts it down
 * gracefully: not ready first, running reconciles finish, the Lease is released for a successor.
 *
 * <p>Thread-safe.
 */
public final class TollgateOperator implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TollgateOperator.class);

  private final KubernetesClient client;
  private final OperatorSettings settings;
  private final String identity;
  private final String leaseNamespace;
  private final PrometheusMeterRegistry registry;
  private final JvmGcMetrics gcMetrics;
  private final ServerTls adsTls;
  private final AdsServer ads;
  private final ListenerTlsSecret listenerTls;
  private final ResourceCaches caches;
  private final KubernetesSource source;
  private final GatewayState state;
  private final Operator operator;
  private final AtomicBoolean leader;
  private final AtomicBoolean shuttingDown = new AtomicBoolean();
  private final dev.tollgate.ledger.AuditLog auditLog;
  private volatile boolean started;
  private HealthServer probes;
  private dev.tollgate.usage.LedgerReports reports;

  private TollgateOperator(
      KubernetesClient client,
      OperatorSettings settings,
      Clock clock,
      QuotaUsageReader usage,
      Runnable onLeadershipLost,
      dev.tollgate.ledger.AuditLog auditLog) {
    this.client = client;
    this.settings = settings;
    this.auditLog = auditLog;
    this.identity = identity(settings);
    this.leaseNamespace = leaseNamespace(client, settings);
    this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    this.gcMetrics = new JvmGcMetrics();
    gcMetrics.bindTo(registry);
    OperatorMetrics metrics = new OperatorMetrics(registry);
    this.leader = new AtomicBoolean(!settings.leaderElection());
    metrics.leader(leader.get());
    this.adsTls =
        settings.adsTls() == null
            ? null
            : ServerTls.fromFiles(TlsFiles.in(settings.adsTls()), ServerTls.DEFAULT_RELOAD);
    this.ads =
        AdsServer.start(
            settings.adsHost(),
            settings.adsPort(),
            clock,
            adsTls == null ? InsecureServerCredentials.create() : adsTls.credentials());
    this.listenerTls =
        settings.listenerTlsSecret() == null
            ? null
            : ListenerTlsSecret.watch(client, settings.listenerTlsSecret(), ads);
    EventRecorder events = new EventRecorder(client, clock, identity, leader::get);
    this.caches = new ResourceCaches();
    this.source =
        KubernetesSource.aroundPrimaries(
            caches,
            client,
            settings.namespaces(),
            settings.secretSelector(),
            settings.cacheSyncTimeout(),
            "(check the operator's RBAC: helm/tollgate/templates/rbac.yaml)");
    this.state =
        new GatewayState(
            caches,
            source,
            settings.providerPolicy(),
            new XdsTranslator(settings.xds()),
            ads,
            settings.nodeGroup(),
            events,
            metrics,
            clock,
            settings.coalesce(),
            settings.grace(),
            settings.resync(),
            podReference(settings));
    LeaderAudit audit = auditLog == null ? null : new LeaderAudit(auditLog, leader::get);
    if (audit != null) {
      state.auditTo(audit);
      EnvoyAnswers.follow(ads.tracker(), settings.nodeGroup(), audit, clock);
    }
    this.operator =
        new Operator(
            o -> {
              o.withKubernetesClient(client)
                  .withMetrics(metrics)
                  .withCloseClientOnStop(false)
                  .withUseSSAToPatchPrimaryResource(settings.statusWithServerSideApply())
                  .withCacheSyncTimeout(settings.cacheSyncTimeout())
                  .withReconciliationTerminationTimeout(settings.shutdownTimeout());
              if (settings.leaderElection()) {
                o.withLeaderElectionConfiguration(
                    LeaderElectionConfigurationBuilder.aLeaderElectionConfiguration(
                            settings.leaseName())
                        .withLeaseNamespace(leaseNamespace)
                        .withIdentity(identity)
                        .withLeaseDuration(settings.leaseDuration())
                        .withRenewDeadline(settings.renewDeadline())
                        .withRetryPeriod(settings.retryPeriod())
                        // The SDK would call System.exit from the shutdown hook that stops it,
                        // which blocks forever; losing the Lease is handled below instead.
                        .withExitOnStopLeading(false)
                        .withLeaderCallbacks(
                            new LeaderCallbacks(
                                () -> {
                                  LOG.info("{} leads: writing status and Events", identity);
                                  leader.set(true);
                                  metrics.leader(true);
                                  if (audit != null) {
                                    audit.leading();
                                  }
                                  state.requestEvaluate();
                                },
                                () -> {
                                  leader.set(false);
                                  metrics.leader(false);
                                  if (!shuttingDown.get()) {
                                    LOG.error("{} lost the Lease; stopping", identity);
                                    onLeadershipLost.run();
                                  }
                                },
                                newLeader -> LOG.info("the leader is {}", newLeader)))
                        .build());
              }
            });
    operator.register(new ModelProviderReconciler(state, events, metrics, clock), this::watch);
    operator.register(new AIRouteReconciler(state, events, metrics, clock), this::watch);
    operator.register(
        new TokenQuotaReconciler(
            state, events, metrics, clock, usage, settings.quotaUsageInterval()),
        this::watch);
  }

  /**
   * Starts an operator and returns once its caches are filled and the first configuration is
   * published; a replica that is not the leader serves ADS and waits for the Lease.
   *
   * @param client the Kubernetes client, not closed by the operator
   * @param settings how to run
   * @param clock the time of conditions and Events
   * @param usage where TokenQuota usage is read, or null to show none
   * @param onLeadershipLost what to do when another replica takes the Lease while this one runs
   */
  public static TollgateOperator start(
      KubernetesClient client,
      OperatorSettings settings,
      Clock clock,
      QuotaUsageReader usage,
      Runnable onLeadershipLost) {
    return start(client, settings, clock, usage, onLeadershipLost, null);
  }

  /**
   * Starts an operator that also keeps the audit trail of published versions in {@code auditLog}
   * (the leader records each version; every replica records its Envoy nodes' ACKs and NACKs); see
   * {@link #start(KubernetesClient, OperatorSettings, Clock, QuotaUsageReader, Runnable)}.
   *
   * @param auditLog the audit trail, or null for none; not closed by the operator
   */
  public static TollgateOperator start(
      KubernetesClient client,
      OperatorSettings settings,
      Clock clock,
      QuotaUsageReader usage,
      Runnable onLeadershipLost,
      dev.tollgate.ledger.AuditLog auditLog) {
    TollgateOperator running =
        new TollgateOperator(client, settings, clock, usage, onLeadershipLost, auditLog);
    try {
      running.startAll();
    } catch (RuntimeException e) {
      running.close();
      throw e;
    }
    return running;
  }

  private void startAll() {
    source.start(state::requestRebuild);
    operator.start();
    started = true;
    state.start();
    if (settings.probePort() >= 0) {
      probes =
          HealthServer.start(
              settings.probeHost(),
              settings.probePort(),
              registry,
              this::live,
              this::ready,
              Map.of());
    }
    if (auditLog != null && settings.usagePort() >= 0) {
      // Every replica answers: each reads the same database.
      reports =
          dev.tollgate.usage.LedgerReports.start(
              settings.probeHost(), settings.usagePort(), auditLog);
      LOG.info(
          "ledger reports (/usage/report, /audit) on {}:{}", settings.probeHost(), reports.port());
    }
    LOG.info(
        "operator {} started: watching {}, ADS on {}:{}{}",
        identity,
        settings.namespaces().isEmpty() ? "all namespaces" : settings.namespaces(),
        settings.adsHost(),
        ads.port(),
        settings.leaderElection()
            ? ", Lease " + leaseNamespace + "/" + settings.leaseName()
            : ", no leader election");
  }

  private <P extends HasMetadata> void watch(ControllerConfigurationOverrider<P> o) {
    if (settings.namespaces().isEmpty()) {
      o.watchingAllNamespaces();
    } else {
      o.settingNamespaces(settings.namespaces());
    }
  }

  /** Returns the port Envoy connects to. */
  public int adsPort() {
    return ads.port();
  }

  /** Returns the ADS server, e.g. to inspect what Envoy acknowledged. */
  public AdsServer ads() {
    return ads;
  }

  /** Returns the port of the probe and metrics server, or -1 when there is none. */
  public int probePort() {
    return probes == null ? -1 : probes.port();
  }

  /**
   * Returns the port of the ledger's reports ({@code /usage/report}, {@code /audit}), or -1 when
   * there is none (no audit trail's database, or {@code usagePort} -1).
   */
  public int usagePort() {
    return reports == null ? -1 : reports.port();
  }

  /** Returns the configuration version published last, if any. */
  public Optional<String> publishedVersion() {
    return state.view().map(v -> v.publication().version());
  }

  /**
   * Registers a data-plane service (processor, rate-limit service) that receives every model whose
   * configuration is published to Envoy, at once with the current one.
   */
  public void onModelPublished(Consumer<GatewayModel> listener) {
    state.addModelListener(listener);
  }

  /** Returns whether this replica holds the Lease (always true without leader election). */
  public boolean leader() {
    return leader.get();
  }

  /** Returns whether every informer is watching. */
  public boolean live() {
    return !started
        || (caches.attached()
            && source.healthy()
            && operator.getRuntimeInfo().allEventSourcesAreHealthy());
  }

  /** Returns whether the first configuration is published and the operator is not stopping. */
  public boolean ready() {
    return started && state.ready() && !shuttingDown.get();
  }

  /** Returns the metrics registry. */
  public PrometheusMeterRegistry registry() {
    return registry;
  }

  @Override
  public void close() {
    if (!shuttingDown.compareAndSet(false, true)) {
      return;
    }
    LOG.info("operator {} stopping", identity);
    // Stopping the SDK cancels the elector, which reports leadership lost: remember it first.
    boolean heldLease = settings.leaderElection() && leader.get();
    try {
      operator.stop();
    } catch (RuntimeException e) {
      LOG.warn("stopping the reconcilers: {}", e.toString());
    }
    if (heldLease) {
      releaseLease();
    }
    state.close();
    source.close();
    if (listenerTls != null) {
      listenerTls.close();
    }
    ads.close();
    if (adsTls != null) {
      adsTls.close();
    }
    if (probes != null) {
      probes.close();
    }
    if (reports != null) {
      reports.close();
    }
    gcMetrics.close();
    registry.close();
  }

  /** Hands the Lease back so that another replica leads at once instead of after it expires. */
  private void releaseLease() {
    try {
      client
          .leases()
          .inNamespace(leaseNamespace)
          .withName(settings.leaseName())
          .edit(
              (Lease lease) -> {
                if (lease.getSpec() != null
                    && identity.equals(lease.getSpec().getHolderIdentity())) {
                  lease.getSpec().setHolderIdentity(null);
                  lease.getSpec().setLeaseDurationSeconds(1);
                }
                return lease;
              });
      LOG.info("released Lease {}/{}", leaseNamespace, settings.leaseName());
    } catch (KubernetesClientException e) {
      LOG.warn("cannot release the Lease: {}", e.getMessage());
    }
  }

  private static String identity(OperatorSettings settings) {
    if (settings.identity() != null && !settings.identity().isBlank()) {
      return settings.identity();
    }
    String host = System.getenv("HOSTNAME");
    return host != null && !host.isBlank() ? host : "tollgate-" + UUID.randomUUID();
  }

  private static String leaseNamespace(KubernetesClient client, OperatorSettings settings) {
    if (settings.leaseNamespace() != null && !settings.leaseNamespace().isBlank()) {
      return settings.leaseNamespace();
    }
    if (settings.podNamespace() != null && !settings.podNamespace().isBlank()) {
      return settings.podNamespace();
    }
    String configured = client.getConfiguration().getNamespace();
    return configured != null && !configured.isBlank() ? configured : "default";
  }

  private static ObjectReference podReference(OperatorSettings settings) {
    if (settings.podName() == null || settings.podNamespace() == null) {
      return null;
    }
    return new ObjectReferenceBuilder()
        .withApiVersion("v1")
        .withKind("Pod")
        .withName(settings.podName())
        .withNamespace(settings.podNamespace())
        .withUid(settings.podUid())
        .build();
  }
}
