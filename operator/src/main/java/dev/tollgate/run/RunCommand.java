package dev.tollgate.run;

import dev.tollgate.cli.ProviderPolicyOptions;
import dev.tollgate.cli.TracingOptions;
import dev.tollgate.demo.DemoModels;
import dev.tollgate.demo.DemoUpstream;
import dev.tollgate.ledger.AuditLog;
import dev.tollgate.ledger.LedgerDatabase;
import dev.tollgate.ledger.LedgerWriter;
import dev.tollgate.model.source.FolderWatcher;
import dev.tollgate.model.source.ModelPublisher;
import dev.tollgate.operator.EnvoyAnswers;
import dev.tollgate.processor.JwksFetchPolicy;
import dev.tollgate.processor.Processor;
import dev.tollgate.processor.ProcessorConfig;
import dev.tollgate.processor.ProcessorServer;
import dev.tollgate.ratelimit.RateLimitServer;
import dev.tollgate.ratelimit.RateLimitService;
import dev.tollgate.ratelimit.RateLimitSettings;
import dev.tollgate.ratelimit.UsageJson;
import dev.tollgate.ratelimit.store.BudgetStore;
import dev.tollgate.ratelimit.store.MemoryBudgetStore;
import dev.tollgate.ratelimit.store.RedisBudgetStore;
import dev.tollgate.ratelimit.store.RedisStoreSettings;
import dev.tollgate.roles.RateLimitClient;
import dev.tollgate.roles.TokenLimitOptions;
import dev.tollgate.serving.HealthServer;
import dev.tollgate.tls.ClientTls;
import dev.tollgate.tls.ServerTls;
import dev.tollgate.usage.AuditEndpoint;
import dev.tollgate.usage.LedgerOptions;
import dev.tollgate.usage.UsageReportEndpoint;
import dev.tollgate.xds.AdsServer;
import dev.tollgate.xds.EnvoyBootstrap;
import dev.tollgate.xds.EnvoyProcess;
import dev.tollgate.xds.XdsSettings;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tollgate run -f DIR}: the whole gateway in one process from a folder of manifests: the ADS
 * server, the rate-limit service, the processor, an optional demo upstream and a supervised Envoy.
 * Every service listens on 127.0.0.1 only, and Envoy reaches the three gRPC services over mutual
 * TLS with certificates made at start ({@link LocalTls}): a process without them gets nothing. A
 * changed file is picked up; an invalid one is reported and its last good version stays.
 */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {
      "Run the whole gateway from a folder of manifests, with a real Envoy.",
      "Stops Envoy and everything else on Ctrl-C or SIGTERM."
    })
public final class RunCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);
  private static final String ENVOY_NODE = "tollgate-run";

  /** Deadlines of the processor's calls to a rate-limit service run elsewhere: the role's. */
  private static final long EXTERNAL_TIER_CHECK_TIMEOUT_MS = 250;

  private static final long EXTERNAL_SETTLE_TIMEOUT_MS = 2000;

  /**
   * The provider endpoints {@code tollgate run} allows by default: loopback, so that the quickstart
   * reaches its demo upstream; other private and in-cluster endpoints are refused unless listed.
   */
  static final List<String> DEFAULT_PROVIDER_ENDPOINTS = List.of("127.0.0.0/8", "::1", "localhost");

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Mixin ProviderPolicyOptions providerPolicy = new ProviderPolicyOptions();

  @Mixin LedgerOptions ledgerOptions = new LedgerOptions();

  @Mixin TracingOptions tracing = new TracingOptions();

  @Option(
      names = {"-f", "--folder"},
      required = true,
      description = "Folder of YAML manifests, watched for changes.")
  Path folder;

  @Option(
      names = "--listen-address",
      defaultValue = "127.0.0.1",
      description =
          "Address of the gateway listener (0.0.0.0 to serve other hosts). Default: ${DEFAULT-VALUE}.")
  String listenAddress;

  @Option(
      names = "--port",
      defaultValue = "10000",
      description = "Port of the gateway listener. Default: ${DEFAULT-VALUE}.")
  int port;

  @Option(
      names = "--listener-tls-cert",
      description =
          "PEM certificate chain of the gateway listener: it then serves HTTPS only (HTTP/2 or"
              + " HTTP/1.1 by ALPN, TLS 1.2+). Re-read when it changes. Needs --listener-tls-key.")
  Path listenerTlsCert;

  @Option(
      names = "--listener-tls-key",
      description = "PEM private key of --listener-tls-cert; re-read when it changes.")
  Path listenerTlsKey;

  @Option(
      names = "--processor-port",
      defaultValue = "10001",
      description = "Port of the processor (ext_proc). Default: ${DEFAULT-VALUE}.")
  int processorPort;

  @Option(
      names = "--ratelimit-port",
      defaultValue = "10002",
      description = "Port of the rate-limit service. Default: ${DEFAULT-VALUE}.")
  int rateLimitPort;

  @Option(
      names = "--demo-upstream-port",
      defaultValue = "10003",
      description =
          "Port of the demo upstream (strict OpenAI and Azure OpenAI emulators serving the models"
              + " of the providers that point at it); 0 disables it. Default: ${DEFAULT-VALUE}.")
  int demoPort;

  @Option(
      names = "--demo-upstream-key",
      defaultValue = "demo-upstream-secret-key",
      description =
          "API key the demo upstream requires (the quickstart provider's key). Default: ${DEFAULT-VALUE}.")
  String demoKey;

  @Option(
      names = "--demo-latency-ms",
      defaultValue = "0",
      description = "Delay of every demo upstream answer. Default: ${DEFAULT-VALUE}.")
  long demoLatencyMillis;

  @Option(
      names = "--ads-port",
      defaultValue = "18000",
      description = "Port of the ADS server Envoy connects to. Default: ${DEFAULT-VALUE}.")
  int adsPort;

  @Option(
      names = "--envoy-admin-port",
      defaultValue = "9901",
      description = "Port of Envoy's admin API (127.0.0.1 only). Default: ${DEFAULT-VALUE}.")
  int envoyAdminPort;

  @Option(
      names = "--metrics-port",
      defaultValue = "9090",
      description =
          "Port of /metrics, /healthz and /readyz (127.0.0.1 only). Default: ${DEFAULT-VALUE}.")
  int metricsPort;

  @Option(
      names = "--redis",
      description =
          "Keep budgets in Redis (redis://host:port) instead of memory, so usage survives restarts.")
  String redis;

  @Option(
      names = "--ratelimit-fail-open",
      description =
          "Let requests pass when the budget store cannot be reached (default: refuse them).")
  boolean failOpen;

  @Option(
      names = "--jwks-allow-http",
      description =
          "Fetch JWKS from http:// URLs too (default: https only). For local identity providers.")
  boolean jwksAllowHttp;

  @Option(
      names = "--jwks-allow-private-addresses",
      description =
          "Fetch JWKS from loopback, private and link-local addresses too (default: public"
              + " addresses only). For local identity providers.")
  boolean jwksAllowPrivateAddresses;

  @Option(
      names = "--ratelimit-address",
      description =
          "Use a rate-limit service running elsewhere (HOST:PORT) instead of starting one:"
              + " Envoy's budget calls and the processor's tier checks and settlements go there,"
              + " over mutual TLS with this run's own CA.")
  String externalRateLimit;

  @Option(
      names = "--processor-address",
      description =
          "Use a processor running elsewhere (HOST:PORT) instead of starting one;"
              + " Envoy still requires mutual TLS with this run's own CA.")
  String externalProcessor;

  @Mixin TokenLimitOptions tokenLimit = new TokenLimitOptions();

  @Option(
      names = "--work-dir",
      defaultValue = ".tollgate",
      description = "Where Envoy's bootstrap and log go. Default: ${DEFAULT-VALUE}.")
  Path workDir;

  @Option(
      names = "--envoy-log-level",
      defaultValue = "warning",
      description = "Envoy's log level. Default: ${DEFAULT-VALUE}.")
  String envoyLogLevel;

  @Override
  public Integer call() throws Exception {
    if (EnvoyProcess.findBinary().isEmpty()) {
      spec.commandLine().getErr().println(EnvoyProcess.INSTALL_HINT);
      return 1;
    }
    if (!Files.isDirectory(folder)) {
      spec.commandLine()
          .getErr()
          .println("not a folder: " + folder + " (pass a folder of manifests with -f)");
      return 2;
    }
    if ((listenerTlsCert == null) != (listenerTlsKey == null)) {
      spec.commandLine().getErr().println("--listener-tls-cert and --listener-tls-key go together");
      return 2;
    }
    var policy = providerPolicy.policy(DEFAULT_PROVIDER_ENDPOINTS, spec.commandLine());
    var otlp = tracing.tracing(spec.commandLine());
    Deque<AutoCloseable> started = new ArrayDeque<>();
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  LOG.info("stopping");
                  closeAll(started);
                  stopped.countDown();
                },
                "tollgate-shutdown"));
    try {
      Clock clock = Clock.systemUTC();
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      FolderWatcher watcher = new FolderWatcher(folder);
      started.push(watcher);
      LocalTls tls = LocalTls.start(clock);
      started.push(tls);
      AdsServer ads = AdsServer.start("127.0.0.1", adsPort, clock, tls.serverCredentials());
      started.push(ads);
      if (listenerTlsCert != null) {
        started.push(ListenerCertificateFiles.start(listenerTlsCert, listenerTlsKey, ads));
      }
      XdsSettings settings =
          XdsSettings.local()
              .withListener(listenAddress, port)
              .withServices(
                  RunStartup.host(externalProcessor, "127.0.0.1"),
                  RunStartup.port(externalProcessor, processorPort),
                  RunStartup.host(externalRateLimit, "127.0.0.1"),
                  RunStartup.port(externalRateLimit, rateLimitPort))
              .withRateLimitFailOpen(failOpen)
              .withServiceTls(tls.envoy())
              .withListenerTls(listenerTlsCert != null)
              .withTracing(otlp);
      XdsGate gate = new XdsGate(settings, ads, clock);
      // The folder watcher debounces its events already, so the publisher builds at once.
      ModelPublisher pipeline =
          new ModelPublisher(
              watcher,
              policy,
              Duration.ZERO,
              ModelPublisher.Scheduler.ownThread("tollgate-model-publisher"),
              gate);
      started.push(pipeline);
      // The services need a first model to start with; the pipeline publishes it below.
      var initial = pipeline.preview();

      BudgetStore store =
          redis == null
              ? MemoryBudgetStore.withDefaults()
              : new RedisBudgetStore(RedisStoreSettings.of(redis), clock);
      started.push(store);
      RunStartup.connect(store, clock);
      RateLimitService rateLimit =
          new RateLimitService(
              initial,
              store,
              tokenLimit
                  .rateLimit(RateLimitSettings.defaults())
                  .withFailureMode(
                      failOpen
                          ? RateLimitSettings.FailureMode.OPEN
                          : RateLimitSettings.FailureMode.CLOSED),
              clock,
              registry);
      if (externalRateLimit == null) {
        started.push(
            RateLimitServer.start(
                rateLimit,
                "127.0.0.1",
                rateLimitPort,
                Duration.ofSeconds(5),
                tls.serverCredentials()));
      }
      Processor processor =
          new Processor(
              tokenLimit.processor(ProcessorConfig.defaults()),
              JwksFetchPolicy.defaults().withLocalAllowed(jwksAllowHttp, jwksAllowPrivateAddresses),
              clock,
              registry);
      // Tiered rules ask the budgets before they route (docs/governance.md); each request's
      // usage is settled there for the ledger (ledger/README.md, "Aborted streams"): the service
      // of this process, or the one Envoy uses elsewhere, over mutual TLS with this run's CA.
      if (externalRateLimit == null) {
        ServiceBudgets budgets = new ServiceBudgets(rateLimit);
        processor.tierProbe(budgets);
        processor.settleWith(budgets);
      } else {
        ClientTls clientTls = ClientTls.fromFiles(tls.processorClient(), ServerTls.DEFAULT_RELOAD);
        started.push(clientTls);
        RateLimitClient budgets =
            new RateLimitClient(
                externalRateLimit,
                clientTls.credentials(),
                Duration.ofMillis(EXTERNAL_TIER_CHECK_TIMEOUT_MS),
                Duration.ofMillis(EXTERNAL_SETTLE_TIMEOUT_MS));
        started.push(budgets);
        processor.tierProbe(budgets);
        processor.settleWith(budgets);
      }
      LedgerDatabase ledgerDatabase = ledgerOptions.database(true, workDir.resolve("ledger"));
      LedgerWriter ledger = ledgerOptions.start(ledgerDatabase);
      AuditLog audit = null;
      if (ledger != null) {
        // Pushed before the processor's server, so closed after it: no record is left behind.
        started.push(ledger);
        processor.recordTo(ledger);
        // Each published version, from the first (the pipeline starts below), is audited.
        audit = new AuditLog(ledgerDatabase);
        started.push(audit);
        gate.auditTo(audit);
        EnvoyAnswers.follow(ads.tracker(), AdsServer.DEFAULT_GROUP, audit, clock);
      }
      if (externalProcessor == null) {
        started.push(
            ProcessorServer.start("127.0.0.1", processorPort, processor, tls.serverCredentials()));
      }
      // Envoy starts before the first publish, so that its own start overlaps the translation and
      // the services' first model (README, "Try it"). Its listener arrives with that publish,
      // when the processor and rate-limit servers already listen.
      String bootstrap =
          EnvoyBootstrap.toJson(
              EnvoyBootstrap.build(
                  ENVOY_NODE,
                  AdsServer.DEFAULT_GROUP,
                  "127.0.0.1",
                  ads.port(),
                  envoyAdminPort,
                  tls.envoy()));
      EnvoySupervisor envoy =
          new EnvoySupervisor(workDir.toAbsolutePath(), bootstrap, envoyAdminPort, envoyLogLevel);
      started.push(envoy);
      watcher.start(pipeline::requestBuild);
      pipeline.start();
      pipeline.addListener(processor::update);
      pipeline.addListener(rateLimit::update);

      if (demoPort > 0) {
        DemoModels demoModels = DemoModels.fromProvidersAt(demoPort);
        pipeline.addListener(demoModels::update);
        started.push(
            DemoUpstream.start(
                "127.0.0.1", demoPort, demoModels, demoKey, demoLatencyMillis, List.of()));
      }
      started.push(
          HealthServer.start(
              "127.0.0.1",
              metricsPort,
              registry,
              () -> true,
              () ->
                  pipeline.current() != null
                      && envoy.envoy().admin("/ready").isPresent()
                      && ads.tracker()
                          .status(ENVOY_NODE)
                          .ackedEverything(pipeline.current().version()),
              java.util.Map.of(
                  "/usage", query -> UsageJson.render(pipeline.current(), rateLimit, query)),
              ledger == null
                  ? java.util.Map.of()
                  : java.util.Map.of(
                      UsageReportEndpoint.PATH,
                      new UsageReportEndpoint(ledgerDatabase),
                      AuditEndpoint.PATH,
                      new AuditEndpoint(audit))));
      RunStartup.waitForEnvoy(envoy);
      RunStartup.printWhatToTry(
          spec.commandLine().getOut(),
          listenerTlsCert != null,
          listenAddress,
          port,
          envoyAdminPort,
          metricsPort,
          folder);
    } catch (RuntimeException e) {
      LOG.error("cannot start: {}", e.getMessage());
      closeAll(started);
      return 1;
    }
    stopped.await();
    return 0;
  }

  private static void closeAll(Deque<AutoCloseable> started) {
    synchronized (started) {
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
}
