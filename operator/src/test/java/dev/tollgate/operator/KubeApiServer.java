package dev.tollgate.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tollgate.model.source.LoadResult;
import dev.tollgate.model.source.ManifestReader;
import dev.tollgate.model.source.ResourceSnapshot;
import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A real kube-apiserver and etcd, started by Fabric8's kube-api-test from the binaries that {@code
 * scripts/install-kube-apiserver.sh} builds. Fails, never skips, when they are missing.
 */
final class KubeApiServer implements AutoCloseable {
  /**
   * Next port to try, below Linux's ephemeral range (32768-60999), so that an outgoing connection
   * cannot take a port between the test choosing it and a server binding it.
   */
  private static final java.util.concurrent.atomic.AtomicInteger NEXT_PORT =
      new java.util.concurrent.atomic.AtomicInteger(
          20000 + (int) (ProcessHandle.current().pid() % 6000) * 2);

  static final String VERSION = "1.34.4";

  private final KubeAPIServer server;
  private final String kubeConfig;

  private KubeApiServer(KubeAPIServer server) {
    this.server = server;
    this.kubeConfig = server.getKubeConfigYaml();
  }

  /** Starts an API server with the Tollgate CRDs installed. */
  static KubeApiServer startWithCrds() {
    Path dir =
        Path.of(
            System.getenv()
                .getOrDefault(
                    "KUBE_API_TEST_DIR", System.getProperty("user.home") + "/.kubeapitest"),
            "k8s",
            VERSION + "-linux-" + arch());
    for (String binary : List.of("kube-apiserver", "etcd", "kubectl")) {
      assertThat(dir.resolve(binary))
          .as(
              "%s is missing from %s: run scripts/install-kube-apiserver.sh, which builds"
                  + " kube-apiserver %s and etcd from the Go module proxy",
              binary, dir, VERSION)
          .isExecutable();
    }
    KubeAPIServer server =
        new KubeAPIServer(
            KubeAPIServerConfigBuilder.anAPIServerConfig()
                .withOfflineMode(true)
                .withApiServerVersion(VERSION)
                .withUpdateKubeConfig(false)
                .build());
    server.start();
    KubeApiServer started = new KubeApiServer(server);
    try (KubernetesClient client = started.adminClient()) {
      started.applyCrds(client);
    }
    return started;
  }

  /** Returns a client with the API server's admin credentials. */
  KubernetesClient adminClient() {
    return new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(kubeConfig)).build();
  }

  /** Returns a client acting as a service account, to test RBAC. */
  KubernetesClient clientAs(String namespace, String serviceAccount) {
    Config config =
        new ConfigBuilder(Config.fromKubeconfig(kubeConfig))
            .withImpersonateUsername("system:serviceaccount:" + namespace + ":" + serviceAccount)
            .withImpersonateGroups("system:serviceaccounts", "system:authenticated")
            .build();
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  private void applyCrds(KubernetesClient client) {
    List<String> names = new ArrayList<>();
    try (Stream<Path> files = Files.list(crdFolder())) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
        try (InputStream in = Files.newInputStream(file)) {
          CustomResourceDefinition crd =
              client.apiextensions().v1().customResourceDefinitions().load(in).item();
          client.resource(crd).create();
          names.add(crd.getMetadata().getName());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    assertThat(names).hasSize(3);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                names.stream()
                    .allMatch(
                        n -> {
                          var crd =
                              client
                                  .apiextensions()
                                  .v1()
                                  .customResourceDefinitions()
                                  .withName(n)
                                  .get();
                          return crd.getStatus() != null
                              && crd.getStatus().getConditions().stream()
                                  .anyMatch(
                                      c ->
                                          c.getType().equals("Established")
                                              && c.getStatus().equals("True"));
                        }));
  }

  /**
   * The CRDs to install: the committed ones; {@code -Dtollgate.crds=DIR} installs others, to try a
   * CRD change before regenerating.
   */
  static Path crdFolder() {
    String override = System.getProperty("tollgate.crds", "");
    return override.isBlank() ? root().resolve("crds/generated") : Path.of(override);
  }

  /** Creates every object of a folder of manifests, Namespaces first. */
  static List<HasMetadata> createExample(KubernetesClient client, String example) {
    LoadResult loaded =
        new ManifestReader().readFolder(root().resolve("examples").resolve(example));
    assertThat(loaded.errors()).isEmpty();
    return createAll(client, loaded.snapshot());
  }

  /** Creates every object of a snapshot, Namespaces first. */
  static List<HasMetadata> createAll(KubernetesClient client, ResourceSnapshot snapshot) {
    List<HasMetadata> objects = new ArrayList<>();
    objects.addAll(snapshot.namespaces());
    objects.addAll(snapshot.secrets());
    objects.addAll(snapshot.providers());
    objects.addAll(snapshot.routes());
    objects.addAll(snapshot.quotas());
    List<HasMetadata> created = new ArrayList<>();
    for (HasMetadata object : objects) {
      created.add(client.resource(object).create());
    }
    return created;
  }

  /** The repository root, passed in by the build. */
  static Path root() {
    return Path.of(System.getProperty("tollgate.root", "..")).toAbsolutePath().normalize();
  }

  /** A free TCP port on loopback. */
  static int freePort() {
    for (int tries = 0; tries < 2000; tries++) {
      int candidate = NEXT_PORT.getAndIncrement();
      if (candidate > 32000) {
        NEXT_PORT.set(20000);
        continue;
      }
      try (ServerSocket socket =
          new ServerSocket(candidate, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
        return candidate;
      } catch (IOException taken) {
        // in use: try the next one
      }
    }
    throw new UncheckedIOException(new IOException("no free port between 20000 and 32000"));
  }

  private static String arch() {
    String arch = System.getProperty("os.arch");
    return arch.equals("aarch64") || arch.equals("arm64") ? "arm64" : "amd64";
  }

  @Override
  public void close() {
    server.stop();
  }
}
