package dev.tollgate.certs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.tollgate.certs.ServiceCertificates.TlsSecret;
import dev.tollgate.model.GatewayModelBuilder;
import dev.tollgate.model.source.ManifestReader;
import dev.tollgate.testkit.KubeApiServer;
import dev.tollgate.testkit.MutableClock;
import dev.tollgate.testkit.RecordingObserver;
import dev.tollgate.testkit.RepoRoot;
import dev.tollgate.tls.CertificateAuthority;
import dev.tollgate.tls.Pem;
import dev.tollgate.tls.ServerTls;
import dev.tollgate.tls.TlsFiles;
import dev.tollgate.xds.AdsServer;
import dev.tollgate.xds.XdsSettings;
import dev.tollgate.xds.XdsTranslator;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.StreamObserver;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The operator as the internal CA on a real kube-apiserver, with the chart's own flags and RBAC
 * (deploy/tollgate.yaml): as the operator's service account it writes the CA and every role's
 * certificate into the Secrets the chart's Pods mount, renews them before expiry, reissues all of
 * them when the CA Secret is deleted; the certificates Role (applied here without the operator's
 * read-only ClusterRole) grants no other Secret; a gRPC server built from those files refuses every
 * client but one holding Envoy's certificate.
 */
class ServiceCertificatesIT {
  static final String NS = "tollgate-system";
  static final Set<String> RBAC_KINDS = Set.of("ServiceAccount", "Role", "RoleBinding");

  static KubeApiServer apiServer;
  static KubernetesClient admin;
  static KubernetesClient operator;
  static List<String> chartArgs;

  @TempDir Path dir;

  @BeforeAll
  static void start() throws Exception {
    apiServer = KubeApiServer.start();
    admin = apiServer.adminClient();
    admin
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
        .create();
    try (InputStream in = Files.newInputStream(RepoRoot.resolve("deploy/tollgate.yaml"))) {
      for (HasMetadata object : admin.load(in).items()) {
        if (object instanceof Deployment d
            && d.getMetadata().getName().equals("tollgate-operator")) {
          chartArgs = d.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs();
          // The owner of the certificate Secrets (no controller runs it here).
          admin.resource(d).create();
        }
        if (RBAC_KINDS.contains(object.getKind())
            && object.getMetadata().getName().startsWith("tollgate-operator")) {
          admin.resource(object).create();
        }
      }
    }
    assertThat(chartArgs).as("the chart's operator Deployment").isNotNull();
    admin
        .secrets()
        .inNamespace(NS)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName("openai-key")
                .endMetadata()
                .addToStringData("api-key", "sk-not-for-the-certificate-code")
                .build())
        .create();
    operator = apiServer.clientAs(NS, "tollgate-operator");
  }

  @AfterAll
  static void stop() {
    if (operator != null) {
      operator.close();
    }
    if (admin != null) {
      admin.close();
    }
    if (apiServer != null) {
      apiServer.close();
    }
  }

  /** The chart's certificate flags, parsed as the operator parses them. */
  static ServiceCertificateOptions chartOptions() {
    ServiceCertificateOptions options = new ServiceCertificateOptions();
    List<String> mine = new ArrayList<>();
    for (String arg : chartArgs) {
      String flag = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
      if (List.of(
              "--ca-secret",
              "--certificates-namespace",
              "--server-certificate",
              "--client-certificate",
              "--ads-certificate-secret",
              "--certificates-owner")
          .contains(flag)) {
        mine.add(arg);
      }
    }
    new CommandLine(options).parseArgs(mine.toArray(String[]::new));
    return options;
  }

  static ServiceCertificates certificates(Clock clock) {
    ServiceCertificateOptions options = chartOptions();
    return new ServiceCertificates(
        operator,
        options.namespace,
        options.caSecret,
        options.requests(),
        ServiceCertificates.DEFAULT_VALIDITY,
        clock,
        options.ownerDeployment);
  }

  static void deleteAll() throws InterruptedException {
    admin.secrets().inNamespace(NS).withLabel(ServiceCertificates.LABEL).delete();
    awaitGone(
        "the certificate Secrets",
        () ->
            admin
                .secrets()
                .inNamespace(NS)
                .withLabel(ServiceCertificates.LABEL)
                .list()
                .getItems()
                .isEmpty());
  }

  /** Waits, at most 20 s, until a deletion is visible. */
  static void awaitGone(String what, java.util.function.BooleanSupplier gone)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!gone.getAsBoolean()) {
      assertThat(System.nanoTime()).as("%s deleted in time", what).isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  static String caResourceVersion() {
    return admin
        .secrets()
        .inNamespace(NS)
        .withName("tollgate-internal-ca")
        .get()
        .getMetadata()
        .getResourceVersion();
  }

  static X509Certificate leaf(TlsSecret secret) throws Exception {
    return Pem.certificates(secret.certificatePem())[0];
  }

  @Test
  void theChartsOperatorWritesEverySecretThePodsMountEachChainingToTheCa() throws Exception {
    deleteAll();
    Map<String, TlsSecret> secrets = certificates(Clock.systemUTC()).ensure();
    assertThat(secrets.keySet())
        .containsExactlyInAnyOrder(
            "tollgate-operator-tls",
            "tollgate-processor-tls",
            "tollgate-ratelimit-tls",
            "tollgate-envoy-tls",
            "tollgate-processor-client-tls");
    Secret caSecret = admin.secrets().inNamespace(NS).withName("tollgate-internal-ca").get();
    assertThat(caSecret).as("the CA Secret").isNotNull();
    X509Certificate ca = Pem.certificates(TlsSecret.of(caSecret).certificatePem())[0];
    assertThat(ca.getBasicConstraints()).isGreaterThanOrEqualTo(0);
    for (Map.Entry<String, TlsSecret> e : secrets.entrySet()) {
      Secret stored = admin.secrets().inNamespace(NS).withName(e.getKey()).get();
      assertThat(stored.getType()).isEqualTo("kubernetes.io/tls");
      assertThat(stored.getData()).containsOnlyKeys("tls.crt", "tls.key", "ca.crt");
      assertThat(TlsSecret.of(stored).certificatePem()).isEqualTo(e.getValue().certificatePem());
      X509Certificate certificate = leaf(e.getValue());
      certificate.verify(ca.getPublicKey());
      assertThat(e.getValue().caPem()).isEqualTo(TlsSecret.of(caSecret).certificatePem());
      // Envoy's and the processor's client certificates (the processor calls the rate-limit
      // service for tier checks and settlements) are for client authentication only.
      boolean client =
          e.getKey().equals("tollgate-envoy-tls")
              || e.getKey().equals("tollgate-processor-client-tls");
      assertThat(certificate.getExtendedKeyUsage())
          .containsExactly(client ? "1.3.6.1.5.5.7.3.2" : "1.3.6.1.5.5.7.3.1");
      if (!client) {
        String service = e.getKey().replace("-tls", "");
        List<String> names = new ArrayList<>();
        certificate.getSubjectAlternativeNames().forEach(n -> names.add(String.valueOf(n.get(1))));
        assertThat(names).contains(service + ".tollgate-system.svc");
      }
    }
  }

  @Test
  void everySecretIsOwnedByTheOperatorsDeploymentAndOlderSecretsAreAdopted() throws Exception {
    deleteAll();
    ServiceCertificateOptions options = chartOptions();
    assertThat(options.ownerDeployment).as("the chart's --certificates-owner").isNotNull();
    // Written as an operator without --certificates-owner did: no owner.
    new ServiceCertificates(
            operator,
            options.namespace,
            options.caSecret,
            options.requests(),
            ServiceCertificates.DEFAULT_VALIDITY,
            Clock.systemUTC())
        .ensure();
    String uid =
        admin
            .apps()
            .deployments()
            .inNamespace(NS)
            .withName(options.ownerDeployment)
            .get()
            .getMetadata()
            .getUid();
    List<Secret> before =
        admin.secrets().inNamespace(NS).withLabel(ServiceCertificates.LABEL).list().getItems();
    assertThat(before).hasSize(6);
    before.forEach(s -> assertThat(s.getMetadata().getOwnerReferences()).isNullOrEmpty());
    Map<String, String> serials = new java.util.HashMap<>();
    before.forEach(s -> serials.put(s.getMetadata().getName(), TlsSecret.of(s).certificatePem()));

    certificates(Clock.systemUTC()).ensure();
    List<Secret> after =
        admin.secrets().inNamespace(NS).withLabel(ServiceCertificates.LABEL).list().getItems();
    assertThat(after).hasSize(6);
    for (Secret secret : after) {
      assertThat(secret.getMetadata().getOwnerReferences())
          .as("owner of %s", secret.getMetadata().getName())
          .singleElement()
          .satisfies(
              ref -> {
                assertThat(ref.getKind()).isEqualTo("Deployment");
                assertThat(ref.getApiVersion()).isEqualTo("apps/v1");
                assertThat(ref.getName()).isEqualTo(options.ownerDeployment);
                assertThat(ref.getUid()).isEqualTo(uid);
              });
      assertThat(TlsSecret.of(secret).certificatePem())
          .as("%s adopted, not reissued", secret.getMetadata().getName())
          .isEqualTo(serials.get(secret.getMetadata().getName()));
    }
  }

  @Test
  void aMissingOwnerDeploymentIsNamedAndNothingIsWritten() throws Exception {
    deleteAll();
    ServiceCertificateOptions options = chartOptions();
    ServiceCertificates orphaned =
        new ServiceCertificates(
            admin,
            options.namespace,
            options.caSecret,
            options.requests(),
            ServiceCertificates.DEFAULT_VALIDITY,
            Clock.systemUTC(),
            "no-such-operator");
    IllegalStateException error =
        catchThrowableOfType(IllegalStateException.class, orphaned::ensure);
    assertThat(error).isNotNull();
    assertThat(error.getMessage())
        .contains("Deployment tollgate-system/no-such-operator", "--certificates-owner");
    assertThat(
            admin.secrets().inNamespace(NS).withLabel(ServiceCertificates.LABEL).list().getItems())
        .isEmpty();
  }

  @Test
  void certificatesAreKeptUntilAThirdOfTheirValidityIsLeftThenRenewedUnderTheSameCa()
      throws Exception {
    deleteAll();
    MutableClock clock = new MutableClock(Instant.now());
    ServiceCertificates certificates = certificates(clock);
    Map<String, TlsSecret> first = certificates.ensure();
    String caVersion = caResourceVersion();
    clock.advance(Duration.ofDays(4));
    assertThat(certificates.ensure()).as("four of seven days: nothing due").isEqualTo(first);
    clock.advance(Duration.ofDays(1));
    Map<String, TlsSecret> renewed = certificates.ensure();
    for (String name : first.keySet()) {
      assertThat(leaf(renewed.get(name)).getSerialNumber())
          .as("%s renewed", name)
          .isNotEqualTo(leaf(first.get(name)).getSerialNumber());
      assertThat(leaf(renewed.get(name)).getNotAfter().toInstant())
          .isAfter(clock.instant().plus(Duration.ofDays(6)));
      assertThat(renewed.get(name).caPem()).isEqualTo(first.get(name).caPem());
    }
    assertThat(caResourceVersion()).as("the CA is kept").isEqualTo(caVersion);
  }

  @Test
  void aDeletedCaSecretGetsANewCaAndEveryCertificateIsReissuedUnderIt() throws Exception {
    deleteAll();
    ServiceCertificates certificates = certificates(Clock.systemUTC());
    Map<String, TlsSecret> before = certificates.ensure();
    admin.secrets().inNamespace(NS).withName("tollgate-internal-ca").delete();
    awaitGone(
        "the CA Secret",
        () -> admin.secrets().inNamespace(NS).withName("tollgate-internal-ca").get() == null);
    Map<String, TlsSecret> after = certificates.ensure();
    X509Certificate newCa =
        Pem.certificates(
            TlsSecret.of(admin.secrets().inNamespace(NS).withName("tollgate-internal-ca").get())
                .certificatePem())[0];
    for (String name : before.keySet()) {
      assertThat(after.get(name).caPem()).as(name).isNotEqualTo(before.get(name).caPem());
      leaf(after.get(name)).verify(newCa.getPublicKey());
    }
  }

  @Test
  void theCertificatesRoleGrantsNoOtherSecret() {
    KubernetesClientException read =
        catchThrowableOfType(
            KubernetesClientException.class,
            () -> operator.secrets().inNamespace(NS).withName("openai-key").get());
    assertThat(read).as("reading a provider key through the certificates Role").isNotNull();
    assertThat(read.getCode()).isEqualTo(403);
    KubernetesClientException update =
        catchThrowableOfType(
            KubernetesClientException.class,
            () ->
                operator
                    .secrets()
                    .inNamespace(NS)
                    .withName("openai-key")
                    .edit(s -> new SecretBuilder(s).addToStringData("api-key", "x").build()));
    assertThat(update).isNotNull();
    assertThat(update.getCode()).isEqualTo(403);
  }

  @Test
  void adsServedFromTheWrittenFilesRefusesEveryClientButEnvoysCertificate() throws Exception {
    deleteAll();
    ServiceCertificateOptions options = chartOptions();
    Path adsDir = dir.resolve("ads");
    try (CertificateKeeper keeper =
        CertificateKeeper.start(
            certificates(Clock.systemUTC()), options.adsSecret, adsDir, Duration.ofHours(1))) {
      // Envoy's Secret, as the kubelet mounts it.
      TlsSecret envoy =
          TlsSecret.of(admin.secrets().inNamespace(NS).withName("tollgate-envoy-tls").get());
      Path envoyDir = dir.resolve("envoy");
      TlsFiles.write(envoyDir, envoy.certificatePem(), envoy.keyPem(), envoy.caPem());
      // A certificate from another CA, with the right usage.
      CertificateAuthority other =
          CertificateAuthority.create("impostor", Duration.ofDays(1), Clock.systemUTC());
      Path otherDir = dir.resolve("other");
      TlsFiles.write(
          otherDir,
          other.issueClient("tollgate-envoy-tls", Duration.ofHours(1)),
          other.certificate());
      try (ServerTls tls = ServerTls.fromFiles(TlsFiles.in(adsDir), ServerTls.DEFAULT_RELOAD)) {
        AdsServer ads = AdsServer.start("127.0.0.1", 0, Clock.systemUTC(), tls.credentials());
        try {
          ads.publish(
              AdsServer.DEFAULT_GROUP,
              new XdsTranslator(XdsSettings.local())
                  .translate(
                      GatewayModelBuilder.build(
                          new ManifestReader()
                              .readFolder(RepoRoot.resolve("examples/quickstart"))
                              .snapshot())));
          assertThat(fetch(ads, withCertificate(envoyDir, envoyDir)))
              .isInstanceOf(DiscoveryResponse.class);
          assertThat(fetch(ads, InsecureChannelCredentials.create())).isInstanceOf(Throwable.class);
          assertThat(
                  fetch(
                      ads,
                      TlsChannelCredentials.newBuilder()
                          .trustManager(TlsFiles.in(envoyDir).ca().toFile())
                          .build()))
              .as("TLS without a client certificate")
              .isInstanceOf(Throwable.class);
          assertThat(fetch(ads, withCertificate(otherDir, envoyDir)))
              .as("a client certificate from another CA")
              .isInstanceOf(Throwable.class);
        } finally {
          ads.close();
        }
      }
    }
  }

  private static ChannelCredentials withCertificate(Path certificate, Path trust) throws Exception {
    return TlsChannelCredentials.newBuilder()
        .trustManager(TlsFiles.in(trust).ca().toFile())
        .keyManager(
            TlsFiles.in(certificate).certificate().toFile(),
            TlsFiles.in(certificate).key().toFile())
        .build();
  }

  /** Opens an ADS stream and returns the first response, or the error that ended the stream. */
  private static Object fetch(AdsServer ads, ChannelCredentials credentials) throws Exception {
    ManagedChannel channel =
        Grpc.newChannelBuilderForAddress("127.0.0.1", ads.port(), credentials)
            // The certificate names the Service, as Envoy's SNI and SAN check use it.
            .overrideAuthority("tollgate-operator.tollgate-system.svc")
            .build();
    try {
      RecordingObserver<DiscoveryResponse> events = new RecordingObserver<>();
      StreamObserver<DiscoveryRequest> requests =
          AggregatedDiscoveryServiceGrpc.newStub(channel)
              .withDeadlineAfter(10, TimeUnit.SECONDS)
              .streamAggregatedResources(events);
      requests.onNext(
          DiscoveryRequest.newBuilder()
              .setNode(Node.newBuilder().setId("probe").setCluster(AdsServer.DEFAULT_GROUP))
              .setTypeUrl("type.googleapis.com/envoy.config.cluster.v3.Cluster")
              .build());
      return events.next(Duration.ofSeconds(15));
    } finally {
      channel.shutdownNow();
    }
  }
}
