package dev.tollgate.testkit;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real kube-apiserver and etcd, started by Fabric8's kube-api-test from the binaries that {@code
 * scripts/install-kube-apiserver.sh} builds; fails, never skips, when they are missing.
 *
 * <p>The module that uses it brings {@code io.fabric8:kube-api-test} (and a Kubernetes client for
 * {@link #adminClient()}) in test scope.
 */
public final class KubeApiServer implements AutoCloseable {
  /** The Kubernetes version the binaries are built at. */
  public static final String VERSION = "1.34.4";

  private static final long CRDS_ESTABLISHED_SECONDS = 30;

  private final KubeAPIServer server;
  private final String kubeConfig;

  private KubeApiServer(KubeAPIServer server) {
    this.server = server;
    this.kubeConfig = server.getKubeConfigYaml();
  }

  /** Starts an API server with no CRDs installed. */
  public static KubeApiServer start() {
    for (String binary : List.of("kube-apiserver", "etcd", "kubectl")) {
      if (!Files.isExecutable(binaries().resolve(binary))) {
        throw new AssertionError(
            binary
                + " is missing from "
                + binaries()
                + ": run scripts/install-kube-apiserver.sh, which builds kube-apiserver "
                + VERSION
                + " and etcd from the Go module proxy");
      }
    }
    KubeAPIServer server =
        new KubeAPIServer(
            KubeAPIServerConfigBuilder.anAPIServerConfig()
                .withOfflineMode(true)
                .withApiServerVersion(VERSION)
                .withUpdateKubeConfig(false)
                .build());
    server.start();
    return new KubeApiServer(server);
  }

  /**
   * Starts an API server with the Tollgate CRDs of {@link #crdFolder()} installed and established.
   */
  public static KubeApiServer startWithCrds() {
    KubeApiServer started = start();
    try (KubernetesClient client = started.adminClient()) {
      started.applyCrds(client);
    } catch (RuntimeException | Error e) {
      started.close();
      throw e;
    }
    return started;
  }

  /**
   * The CRDs {@link #startWithCrds()} installs: the committed ones; {@code -Dtollgate.crds=DIR}
   * installs others, to try a CRD change before regenerating.
   */
  public static Path crdFolder() {
    String override = System.getProperty("tollgate.crds", "");
    return override.isBlank() ? RepoRoot.resolve("crds/generated") : Path.of(override);
  }

  /** The folder holding kube-apiserver, etcd and kubectl, where kube-api-test looks for them. */
  public static Path binaries() {
    return Path.of(
        System.getenv()
            .getOrDefault("KUBE_API_TEST_DIR", System.getProperty("user.home") + "/.kubeapitest"),
        "k8s",
        VERSION + "-linux-" + arch());
  }

  /** The kubectl of the same version as the server. */
  public static Path kubectl() {
    return binaries().resolve("kubectl");
  }

  /** Returns a kubeconfig (YAML) with the API server's admin credentials. */
  public String kubeConfigYaml() {
    return kubeConfig;
  }

  /** Writes {@link #kubeConfigYaml()} to {@code file}, for kubectl and helm, and returns it. */
  public Path writeKubeConfig(Path file) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    return Files.writeString(file, kubeConfig);
  }

  /** Returns a client with the API server's admin credentials. */
  public KubernetesClient adminClient() {
    return new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(kubeConfig)).build();
  }

  /** Returns a client acting as a service account, to test RBAC. */
  public KubernetesClient clientAs(String namespace, String serviceAccount) {
    Config config =
        new ConfigBuilder(Config.fromKubeconfig(kubeConfig))
            .withImpersonateUsername("system:serviceaccount:" + namespace + ":" + serviceAccount)
            .withImpersonateGroups("system:serviceaccounts", "system:authenticated")
            .build();
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  @Override
  public void close() {
    server.stop();
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
    if (names.size() != 3) {
      throw new AssertionError("expected the 3 Tollgate CRDs in " + crdFolder() + ", got " + names);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CRDS_ESTABLISHED_SECONDS);
    while (!names.stream().allMatch(name -> established(client, name))) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "CRDs not established after " + CRDS_ESTABLISHED_SECONDS + " s: " + names);
      }
      sleep(100);
    }
  }

  private static boolean established(KubernetesClient client, String name) {
    CustomResourceDefinition crd =
        client.apiextensions().v1().customResourceDefinitions().withName(name).get();
    return crd != null
        && crd.getStatus() != null
        && crd.getStatus().getConditions() != null
        && crd.getStatus().getConditions().stream()
            .anyMatch(c -> c.getType().equals("Established") && c.getStatus().equals("True"));
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String arch() {
    String arch = System.getProperty("os.arch");
    return arch.equals("aarch64") || arch.equals("arm64") ? "arm64" : "amd64";
  }
}
