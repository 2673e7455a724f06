package dev.tollgate.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.testkit.KubeApiServer;
import dev.tollgate.testkit.RepoRoot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The chart, the plain manifests, the kustomize overlay and the Argo CD examples, checked the way a
 * platform team's CI would: {@code helm lint}, {@code helm template} with several values files,
 * every object validated by kubeconform (strict) against the Kubernetes 1.34 schemas and the CRDs
 * (ours, the Prometheus Operator's ServiceMonitor, Argo CD's Application), and applied with {@code
 * kubectl apply --dry-run=server} to a real kube-apiserver. Envoy validates the bootstrap.
 */
class ChartIT {
  static final String KUBE_VERSION = KubeApiServer.VERSION;
  static final String NAMESPACE = "tollgate-system";
  static final Path ROOT = RepoRoot.path();
  static final Path CHART = ROOT.resolve("helm/tollgate");
  static final Path TARGET = Path.of("target").toAbsolutePath();

  /** The values files the chart is rendered with; the empty list is the defaults. */
  static final Map<String, List<String>> VALUES = new LinkedHashMap<>();

  static {
    VALUES.put("defaults", List.of());
    for (String file : List.of("redis-bundled", "production", "namespaced")) {
      VALUES.put(file, List.of("-f", CHART.resolve("ci/" + file + "-values.yaml").toString()));
    }
  }

  static Path schemas;
  static KubeApiServer apiServer;
  static Path kubeconfig;
  static Path kubectl;

  @BeforeAll
  static void start() throws IOException {
    schemas = TARGET.resolve("kubeconform-schemas");
    Path sources = Tools.chartTools().resolve("sources");
    List<String> command = new ArrayList<>();
    command.addAll(
        List.of(
            "python3",
            ROOT.resolve("scripts/kubeconform-schemas.py").toString(),
            "--swagger",
            sources.resolve("swagger.json").toString(),
            "--out",
            schemas.toString(),
            "--crd"));
    try (Stream<Path> crds = Files.list(ROOT.resolve("crds/generated"))) {
      crds.sorted().forEach(p -> command.add(p.toString()));
    }
    command.add(sources.resolve("servicemonitor-crd.yaml").toString());
    command.add(sources.resolve("application-crd.yaml").toString());
    assertThat(sources.resolve("swagger.json"))
        .as("schema sources missing: run scripts/install-chart-tools.sh")
        .exists();
    Tools.run(command, null).assertSuccess("kubeconform-schemas.py");

    apiServer = KubeApiServer.start();
    kubectl = KubeApiServer.kubectl();
    kubeconfig = apiServer.writeKubeConfig(TARGET.resolve("chart-it.kubeconfig"));
    // What the manifests need to exist already: the CRDs (ours and the two others the examples
    // use) and the namespaces they are installed into.
    for (Path crd :
        List.of(
            ROOT.resolve("crds/generated"),
            sources.resolve("servicemonitor-crd.yaml"),
            sources.resolve("application-crd.yaml"))) {
      kubectl("apply", "--server-side", "-f", crd.toString()).assertSuccess("apply " + crd);
    }
    kubectl("wait", "--for=condition=Established", "--timeout=60s", "crd", "--all")
        .assertSuccess("CRDs established");
    for (String namespace : List.of(NAMESPACE, "monitoring", "argocd", "team-a", "team-b")) {
      kubectl("create", "namespace", namespace).assertSuccess("create namespace " + namespace);
    }
  }

  @AfterAll
  static void stop() {
    if (apiServer != null) {
      apiServer.close();
    }
  }

  static Tools.Result kubectl(String... args) {
    List<String> command =
        new ArrayList<>(List.of(kubectl.toString(), "--kubeconfig", kubeconfig.toString()));
    command.addAll(List.of(args));
    return Tools.run(command, null);
  }

  static Tools.Result helm(List<String> args) {
    List<String> command = new ArrayList<>(List.of(Tools.helm().toString()));
    command.addAll(args);
    return Tools.run(command, null);
  }

  /** Renders the chart with a values set, CRDs included. */
  static String render(List<String> values) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "template",
                "tollgate",
                CHART.toString(),
                "--namespace",
                NAMESPACE,
                "--include-crds",
                "--kube-version",
                KUBE_VERSION));
    args.addAll(values);
    return helm(args).assertSuccess("helm template " + values).stdout();
  }

  /** Runs kubeconform, strict, on YAML text, and fails on any invalid or unknown object. */
  static void kubeconform(String what, String yaml) {
    Tools.Result result =
        Tools.run(
            List.of(
                Tools.kubeconform().toString(),
                "-strict",
                "-summary",
                "-kubernetes-version",
                KUBE_VERSION,
                "-schema-location",
                schemas + "/{{ .ResourceKind }}{{ .KindSuffix }}.json",
                "-"),
            yaml);
    result.assertSuccess("kubeconform " + what);
    assertThat(result.stdout()).as(what).contains("Invalid: 0, Errors: 0, Skipped: 0");
  }

  /**
   * Applies YAML text with --dry-run=server: admission, schemas and CEL rules of the real server.
   */
  static void dryRun(String what, String yaml) throws IOException {
    Path file = Files.createTempFile(TARGET, "dry-run-", ".yaml");
    Files.writeString(file, yaml);
    kubectl("apply", "--dry-run=server", "--validate=strict", "-f", file.toString())
        .assertSuccess("kubectl apply --dry-run=server " + what);
  }

  @Test
  void helmLintPassesStrictlyWithEveryValuesFile() {
    for (Map.Entry<String, List<String>> values : VALUES.entrySet()) {
      List<String> args = new ArrayList<>(List.of("lint", "--strict", CHART.toString()));
      args.addAll(values.getValue());
      assertThat(helm(args).assertSuccess("helm lint " + values.getKey()).stdout())
          .contains("0 chart(s) failed");
    }
  }

  @Test
  void everyRenderingIsValidAndAcceptedByTheApiServer() throws IOException {
    for (Map.Entry<String, List<String>> values : VALUES.entrySet()) {
      String yaml = render(values.getValue());
      assertThat(Manifests.parse(yaml)).as(values.getKey()).hasSizeGreaterThan(20);
      kubeconform(values.getKey(), yaml);
      dryRun(values.getKey(), yaml);
    }
  }

  /**
   * {@code helm install --dry-run=server} against the API server: Helm's own install path, and the
   * NOTES.txt a user reads after installing.
   */
  @Test
  void helmInstallDryRunShowsNotesThatFitTheValues() {
    List<String> install =
        List.of(
            "install",
            "tollgate",
            CHART.toString(),
            "--namespace",
            NAMESPACE,
            "--dry-run=server",
            "--kubeconfig",
            kubeconfig.toString());
    assertThat(helm(install).assertSuccess("helm install --dry-run=server").stdout())
        .contains("NOTES:")
        .contains("tollgate-envoy.tollgate-system.svc:80")
        .contains("kept in the memory of one rate-limit Pod")
        .contains("No Tollgate image is published yet");
    List<String> production = new ArrayList<>(install);
    production.addAll(VALUES.get("production"));
    assertThat(helm(production).assertSuccess("helm install --dry-run=server production").stdout())
        .contains("kept in Redis, shared by 3 rate-limit replica(s)")
        .contains("A ServiceMonitor scrapes them all")
        .doesNotContain("No Tollgate image is published yet");
  }

  /**
   * deploy/tollgate.yaml is the chart rendered with defaults; -Dtollgate.update=true rewrites it.
   */
  @Test
  void thePlainManifestsAreTheChartsDefaults() throws IOException {
    Path committed = ROOT.resolve("deploy/tollgate.yaml");
    Path fresh = TARGET.resolve("tollgate.yaml");
    Tools.run(
            List.of(ROOT.resolve("scripts/render-manifests.sh").toString(), fresh.toString()), null)
        .assertSuccess("render-manifests.sh");
    if (Boolean.getBoolean("tollgate.update")) {
      Files.copy(fresh, committed, StandardCopyOption.REPLACE_EXISTING);
    }
    assertThat(Files.readString(committed))
        .as("deploy/tollgate.yaml is stale: run `make manifests`")
        .isEqualTo(Files.readString(fresh));
    String yaml = Files.readString(committed);
    kubeconform("deploy/tollgate.yaml", yaml);
    dryRun("deploy/tollgate.yaml", yaml);
  }

  @Test
  void theKustomizeOverlayBuildsOnTheBaseAndIsValid() throws IOException {
    String yaml =
        kubectl("kustomize", ROOT.resolve("gitops/kustomize-production").toString())
            .assertSuccess("kubectl kustomize")
            .stdout();
    List<JsonNode> objects = Manifests.parse(yaml);
    JsonNode rateLimit =
        objects.stream()
            .filter(o -> Manifests.name(o).equals("Deployment tollgate-ratelimit"))
            .findFirst()
            .orElseThrow();
    assertThat(rateLimit.at("/spec/replicas").asInt()).isEqualTo(3);
    assertThat(rateLimit.at("/spec/template/spec/containers/0/args").toString())
        .contains("--redis=$(TOLLGATE_REDIS_URL)");
    assertThat(rateLimit.at("/spec/template/spec/containers/0/image").asText())
        .isEqualTo("registry.example.com/platform/tollgate:0.1.0");
    kubeconform("gitops/kustomize-production", yaml);
    dryRun("gitops/kustomize-production", yaml);
  }

  @Test
  void theArgoCdExamplesAreValidApplicationsAndConfigMaps() throws IOException {
    for (String file : List.of("application.yaml", "argocd-cm-health.yaml")) {
      String yaml = Files.readString(ROOT.resolve("gitops/argocd").resolve(file));
      kubeconform(file, yaml);
      dryRun(file, yaml);
    }
  }

  /** What teams apply: every example folder, through kubectl's own YAML parser and the server. */
  @Test
  void theExamplesAreAcceptedByTheApiServer() throws IOException {
    try (Stream<Path> folders = Files.list(ROOT.resolve("examples"))) {
      for (Path folder : folders.filter(Files::isDirectory).sorted().toList()) {
        StringBuilder yaml = new StringBuilder();
        try (Stream<Path> files = Files.list(folder)) {
          for (Path file : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
            yaml.append("---\n").append(Files.readString(file)).append('\n');
          }
        }
        List<JsonNode> namespaces =
            Manifests.parse(yaml.toString()).stream()
                .filter(o -> o.path("kind").asText().equals("Namespace"))
                .toList();
        for (JsonNode namespace : namespaces) {
          // --dry-run cannot create the namespace the other objects of the folder live in.
          kubectl("create", "namespace", namespace.at("/metadata/name").asText());
        }
        kubeconform(folder.toString(), yaml.toString());
        dryRun(folder.toString(), yaml.toString());
      }
    }
  }

  @Test
  void valuesThatCannotWorkAreRefusedWithTheValueToChange() {
    Map<List<String>, String> cases = new LinkedHashMap<>();
    cases.put(
        List.of("--set", "rateLimit.replicas=2"),
        "rateLimit.replicas > 1 needs a shared budget store");
    cases.put(List.of("--set", "processor.replicas=-1"), "processor.replicas");
    cases.put(List.of("--set", "envoy.service.type=Ingress"), "envoy.service.type");
    cases.put(List.of("--set", "operater.replicas=1"), "operater");
    cases.put(List.of("--set", "operator.coalesce=soon"), "operator.coalesce");
    cases.put(List.of("--set", "internalTls.mode=mtls"), "internalTls.mode");
    cases.put(
        List.of(
            "--set", "rateLimit.redis.url=redis://r:6379", "--set", "redis.bundled.enabled=true"),
        "redis.bundled.enabled=true starts a Redis of its own");
    for (Map.Entry<List<String>, String> c : cases.entrySet()) {
      List<String> args =
          new ArrayList<>(List.of("template", "tollgate", CHART.toString(), "-n", NAMESPACE));
      args.addAll(c.getKey());
      Tools.Result result = helm(args);
      assertThat(result.exitCode()).as("%s should be refused", c.getKey()).isNotZero();
      assertThat(result.stderr().replace("/", ".")).as("%s", c.getKey()).contains(c.getValue());
    }
  }

  /**
   * Envoy itself (--mode validate) accepts the bootstrap of the chart's ConfigMap, with the SDS
   * files of its service-sds ConfigMap (mutual TLS to ADS) where the bootstrap names them.
   */
  @Test
  void envoyAcceptsTheBootstrap() throws IOException {
    List<JsonNode> objects = Manifests.parse(render(List.of()));
    JsonNode configMap =
        objects.stream()
            .filter(o -> Manifests.name(o).equals("ConfigMap tollgate-envoy-bootstrap"))
            .findFirst()
            .orElseThrow();
    JsonNode sdsFiles =
        objects.stream()
            .filter(o -> Manifests.name(o).equals("ConfigMap tollgate-envoy-service-sds"))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no service-sds ConfigMap in the defaults"))
            .path("data");
    Path sds = Files.createDirectories(TARGET.resolve("envoy-service-sds"));
    sdsFiles
        .fields()
        .forEachRemaining(
            f -> {
              try {
                Files.writeString(sds.resolve(f.getKey()), f.getValue().asText());
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
    String text = configMap.at("/data/bootstrap.yaml").asText();
    assertThat(text).contains("/etc/tollgate/service-sds/service-client-certificate.json");
    Path bootstrap = TARGET.resolve("envoy-bootstrap.yaml");
    Files.writeString(bootstrap, text.replace("/etc/tollgate/service-sds", sds.toString()));
    Tools.run(
            List.of(
                Tools.envoy().toString(),
                "--mode",
                "validate",
                "--config-path",
                bootstrap.toString(),
                "--service-node",
                "envoy-0",
                "--service-cluster",
                "tollgate"),
            null)
        .assertSuccess("envoy --mode validate");
  }

  /**
   * Every Pod of every rendering runs as non-root with a read-only root file system, no privilege
   * escalation, no capabilities, resource requests and probes.
   */
  @Test
  void everyContainerIsLockedDownProbedAndSized() {
    for (Map.Entry<String, List<String>> values : VALUES.entrySet()) {
      for (JsonNode object : Manifests.parse(render(values.getValue()))) {
        if (!object.path("kind").asText().equals("Deployment")) {
          continue;
        }
        String name = values.getKey() + ": " + Manifests.name(object);
        JsonNode pod = object.at("/spec/template/spec");
        assertThat(pod.at("/securityContext/runAsNonRoot").asBoolean()).as(name).isTrue();
        assertThat(pod.at("/securityContext/seccompProfile/type").asText())
            .as(name)
            .isEqualTo("RuntimeDefault");
        for (JsonNode container : pod.path("containers")) {
          JsonNode security = container.path("securityContext");
          assertThat(security.path("readOnlyRootFilesystem").asBoolean()).as(name).isTrue();
          assertThat(security.path("allowPrivilegeEscalation").asBoolean()).as(name).isFalse();
          assertThat(security.at("/capabilities/drop").toString()).as(name).contains("ALL");
          assertThat(container.at("/resources/requests/cpu").isMissingNode()).as(name).isFalse();
          assertThat(container.at("/resources/requests/memory").isMissingNode()).as(name).isFalse();
          assertThat(container.has("readinessProbe")).as(name).isTrue();
          assertThat(container.has("livenessProbe")).as(name).isTrue();
        }
      }
    }
  }
}
