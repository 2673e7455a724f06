package dev.tollgate.helm;

import static dev.tollgate.helm.ClusterShell.inCluster;
import static dev.tollgate.helm.ClusterShell.kubectl;
import static dev.tollgate.helm.ClusterShell.script;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.testkit.RepoRoot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The chart on a real single-node cluster (scripts/cluster-up.sh: kubelet on containerd and runc in
 * a network namespace of its own), with images built here (scripts/build-images.sh): helm install,
 * examples/multi-team with in-cluster emulators as its providers, governed calls with the official
 * OpenAI SDK through a port-forward, a fallback, the operator Pod deleted mid-traffic, the
 * rate-limit Deployment rolled with Redis keeping the committed usage, a budget 429, and helm
 * uninstall. Needs root (the scripts say which piece is missing otherwise).
 */
class ClusterIT {
  private static final Path ROOT = RepoRoot.path();
  private static final String RELEASE_NS = "tollgate-system";
  private static final String EMULATOR_KEY = "sk-cluster-test-emulator-key";
  private static final String WEB_KEY = "tg-team-a-web-0c41d8e2";
  private static final String CI_BOT_KEY = "tg-team-a-ci-bot-7f3e9a21";

  /** team-b's key: its calls pass the rate-limit service without touching team-a's budgets. */
  private static final String TEAM_B_KEY = "tg-team-b-claims-5b2a77c0";

  /** The key of the tiered route (helm/src/test/resources/cluster/tiered.yaml). */
  private static final String TIERS_KEY = "tg-team-t-tiers-91d0c3aa";

  private static final Path IMAGES =
      Path.of(System.getProperty("user.home"), ".cache", "tollgate", "images");
  private static final Path PYTHON =
      Path.of(System.getProperty("user.home"), ".cache", "tollgate", "e2e-venv", "bin", "python");

  private static Process portForward;
  private static String baseUrl;

  /** Stops the cluster if the JVM ends before {@link #clusterDown()} (a killed test fork). */
  private static final Thread DOWN_ON_EXIT =
      new Thread(
          () -> script(Duration.ofMinutes(3), Map.of(), "scripts/cluster-down.sh"), "cluster-down");

  @BeforeAll
  static void clusterUp() throws IOException {
    ClusterShell.clearLogs();
    Runtime.getRuntime().addShutdownHook(DOWN_ON_EXIT);
    script(Duration.ofMinutes(45), Map.of(), "scripts/install-cluster.sh").ok("install-cluster.sh");
    script(Duration.ofMinutes(25), Map.of(), "scripts/build-images.sh").ok("build-images.sh");
    script(Duration.ofMinutes(2), Map.of(), "scripts/cluster-down.sh").ok("cluster-down.sh");
    String archives =
        String.join(
            " ",
            IMAGES.resolve("tollgate.tar").toString(),
            IMAGES.resolve("envoy.tar").toString(),
            IMAGES.resolve("redis.tar").toString());
    script(
            Duration.ofMinutes(10),
            Map.of("TOLLGATE_CLUSTER_IMAGES", archives),
            "scripts/cluster-up.sh")
        .ok("cluster-up.sh");
  }

  /**
   * Runs after a failure too (JUnit runs it when the set-up or the test threw): cluster-down.sh
   * stops every process of the cluster, unmounts, deletes the network namespace, and fails naming
   * whatever is left.
   */
  @AfterAll
  static void clusterDown() {
    if (portForward != null) {
      portForward.destroy();
    }
    try {
      Runtime.getRuntime().removeShutdownHook(DOWN_ON_EXIT);
    } catch (IllegalStateException e) {
      // the JVM is already exiting: the hook runs
    }
    script(Duration.ofMinutes(3), Map.of(), "scripts/cluster-down.sh")
        .ok("cluster-down.sh (stops the cluster and names what it left)");
  }

  @Test
  void helmInstallGovernsCallsThroughOperatorAndRateLimitRestarts() throws Exception {
    String tollgateImage = imageName("tollgate");
    kubectl("apply", "-f", "examples/multi-team/namespaces.yaml").ok("namespaces");
    Path emulators = Files.createTempFile("emulators", ".yaml");
    Files.writeString(
        emulators,
        Files.readString(ROOT.resolve("helm/src/test/resources/cluster/emulators.yaml"))
            .replace("@TOLLGATE_IMAGE@", tollgateImage));
    kubectl("apply", "-f", emulators.toString()).ok("emulators");
    kubectl("-n", "platform", "rollout", "status", "deploy/emulator-openai", "--timeout=300s")
        .ok("emulator-openai ready");
    kubectl("-n", "platform", "rollout", "status", "deploy/emulator-azure", "--timeout=300s")
        .ok("emulator-azure ready");

    // helm install -> first governed answer is what docs/install.md records.
    long installStart = System.nanoTime();
    inCluster(
            Duration.ofMinutes(3),
            Tools.helm().toString(),
            "install",
            "tg",
            "helm/tollgate",
            "-n",
            RELEASE_NS,
            "--create-namespace",
            "-f",
            valuesFile(tollgateImage).toString())
        .ok("helm install");
    kubectl("apply", "-f", providersForEmulators().toString()).ok("providers");
    for (String team : new String[] {"team-a", "team-b", "team-c"}) {
      kubectl("apply", "-f", "examples/multi-team/" + team + ".yaml").ok(team);
    }
    kubectl(
            "-n",
            "team-a",
            "wait",
            "--for=condition=Programmed=True",
            "airoute/assistants",
            "--timeout=300s")
        .ok("AIRoute team-a/assistants Programmed=True");
    kubectl("-n", RELEASE_NS, "rollout", "status", "deploy/tg-tollgate-envoy", "--timeout=300s")
        .ok("Envoy ready");
    startPortForward();
    untilAnswered("governed", WEB_KEY, Duration.ofMinutes(3));
    long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - installStart);
    Files.writeString(
        ROOT.resolve("helm/target/cluster-logs/install-to-first-answer.txt"), seconds + "s\n");
    System.out.println("ClusterIT: helm install -> first governed answer: " + seconds + "s");

    // Fallback: with the OpenAI (and vLLM) emulator gone, team-a's fast rule falls back to Azure.
    kubectl("-n", "platform", "scale", "deploy/emulator-openai", "--replicas=0").ok("scale 0");
    kubectl(
            "-n",
            "platform",
            "wait",
            "--for=delete",
            "pod",
            "-l",
            "app=emulator-openai",
            "--timeout=60s")
        .ok("emulator-openai gone");
    python(WEB_KEY, "governed").ok("fallback to azure-eu while openai and vllm are down");
    kubectl("-n", "platform", "scale", "deploy/emulator-openai", "--replicas=1").ok("scale 1");
    kubectl("-n", "platform", "rollout", "status", "deploy/emulator-openai", "--timeout=300s")
        .ok("emulator-openai back");

    // A tiered rule: the processor asks the rate-limit service (gRPC, mutual TLS) before it routes,
    // and smart falls to fast once its budget reaches the warn threshold.
    kubectl("apply", "-f", "helm/src/test/resources/cluster/tiered.yaml").ok("tiered route");
    kubectl(
            "-n",
            "team-t",
            "wait",
            "--for=condition=Programmed=True",
            "airoute/tiered",
            "tokenquota/tier-budget",
            "--timeout=300s")
        .ok("AIRoute and TokenQuota of team-t Programmed=True");
    untilAnswered("fast", "governed", TIERS_KEY, Duration.ofMinutes(2));
    pythonOn("smart", TIERS_KEY, "tier").ok("smart falls to its tier fast past the warn threshold");

    // The operator Pod deleted mid-traffic, on team-a's fast rule: openai with vllm as its 10%
    // canary, azure-eu behind them (an aggregate cluster whose provider keys are SDS secrets).
    // Envoy keeps its configuration and keys, and nothing fails. With traffic on this rule one
    // run saw 401s here: the vllm stand-in wanted a key that the example's vllm provider does not
    // send (docs/cluster.md, "The 401s around the operator restart").
    Path trafficLog = ClusterShell.newLog("traffic-operator-delete");
    Process traffic = python(trafficLog, WEB_KEY, "fast", "traffic", "40");
    Thread.sleep(8_000);
    kubectl(
            "-n",
            RELEASE_NS,
            "delete",
            "pod",
            "-l",
            "app.kubernetes.io/component=operator",
            "--wait=false")
        .ok("delete the operator Pod");
    assertThat(traffic.waitFor(90, TimeUnit.SECONDS)).as("traffic finished").isTrue();
    String trafficOutput = Files.readString(trafficLog);
    assertThat(traffic.exitValue())
        .as("requests during the operator's restart (log %s):%n%s", trafficLog, trafficOutput)
        .isZero();
    assertThat(trafficOutput)
        .as("answers by openai and by the vllm canary (log %s)", trafficLog)
        .contains("'gpt-4o-mini':", "'llama-3.1-8b-instruct':");
    kubectl("-n", RELEASE_NS, "rollout", "status", "deploy/tg-tollgate-operator", "--timeout=300s")
        .ok("operator back");

    // A small budget for ci-bot: two answers committed, the rate-limit Deployment rolled (Redis
    // keeps the usage), then exactly one more answer and the budget's 429.
    kubectl("apply", "-f", "helm/src/test/resources/cluster/ci-bot-budget.yaml").ok("budget");
    kubectl(
            "-n",
            "team-a",
            "wait",
            "--for=condition=Programmed=True",
            "tokenquota/ci-bot-budget",
            "--timeout=300s")
        .ok("TokenQuota Programmed=True");
    untilAnswered("calls", CI_BOT_KEY, Duration.ofSeconds(30), "2");
    String oldPods =
        kubectl(
                "-n",
                RELEASE_NS,
                "get",
                "pod",
                "-l",
                "app.kubernetes.io/component=ratelimit",
                "-o",
                "name")
            .ok("rate-limit Pods before the roll")
            .output()
            .strip();
    kubectl("-n", RELEASE_NS, "rollout", "restart", "deploy/tg-tollgate-ratelimit")
        .ok("roll rate-limit");
    kubectl("-n", RELEASE_NS, "rollout", "status", "deploy/tg-tollgate-ratelimit", "--timeout=300s")
        .ok("rate-limit rolled");
    // Rolled means the new Pods are ready, not that the old ones are gone. This check is about
    // usage kept, so it waits for the old Pods to go, and the budget scenario retries exactly
    // Envoy's 503 "budget service is unavailable" (nothing sent, nothing counted): with the roll's
    // hardening a roll under traffic still failed 2 of 179 calls with it (docs/cluster.md).
    assertThat(oldPods).as("rate-limit Pods before the roll").startsWith("pod/");
    String[] waitOld =
        ("-n " + RELEASE_NS + " wait --for=delete --timeout=120s " + oldPods).split("\\s+");
    kubectl(waitOld).ok("old rate-limit Pods gone");
    untilAnswered("smart", "governed", TEAM_B_KEY, Duration.ofMinutes(2));
    python(CI_BOT_KEY, "budget", "1").ok("usage committed before the roll still counts");

    // helm uninstall leaves no Pod of the release.
    portForward.destroy();
    inCluster(
            Duration.ofMinutes(2),
            Tools.helm().toString(),
            "uninstall",
            "tg",
            "-n",
            RELEASE_NS,
            "--wait",
            "--timeout=100s")
        .ok("helm uninstall");
    kubectl("-n", RELEASE_NS, "wait", "--for=delete", "pod", "--all", "--timeout=100s")
        .ok("release Pods gone");
    assertThat(
            kubectl("-n", RELEASE_NS, "get", "deploy,svc,cm,sa", "-o", "name")
                .ok("list what is left")
                .output())
        .as("objects left in %s after helm uninstall", RELEASE_NS)
        .doesNotContain("tollgate");
    // The internal TLS Secrets (CA and one certificate per role) are the operator's, owned by its
    // Deployment: Kubernetes' garbage collector deletes them after it. Then no Secret of the
    // release is left.
    long secretsDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    String left;
    do {
      left =
          kubectl(
                  "-n",
                  RELEASE_NS,
                  "get",
                  "secret",
                  "-l",
                  "app.kubernetes.io/managed-by=tollgate-operator",
                  "-o",
                  "name")
              .ok("list the operator's certificate Secrets")
              .output()
              .strip();
      if (left.isEmpty()) {
        break;
      }
      Thread.sleep(1_000);
    } while (System.nanoTime() < secretsDeadline);
    assertThat(left)
        .as(
            "the operator's certificate Secrets 120 s after helm uninstall (owned by its Deployment)")
        .isEmpty();
    assertThat(
            kubectl("-n", RELEASE_NS, "get", "secret", "-o", "name")
                .ok("list the Secrets left")
                .output())
        .as("Secrets left in %s after helm uninstall", RELEASE_NS)
        .doesNotContain("tollgate");
  }

  private static String imageName(String image) throws IOException {
    Path digestKey = IMAGES.resolve(image + ".tar");
    assertThat(digestKey).as("image archive built by build-images.sh").exists();
    String result =
        script(Duration.ofMinutes(1), Map.of(), "tar", "-xOf", digestKey.toString(), "./index.json")
            .ok("read " + digestKey)
            .output();
    Matcher name = Pattern.compile("\"io.containerd.image.name\":\"([^\"]+)\"").matcher(result);
    assertThat(name.find()).as("image name in %s", digestKey).isTrue();
    return name.group(1);
  }

  private static Path valuesFile(String tollgateImage) throws IOException {
    String envoy = imageName("envoy");
    String redis = imageName("redis");
    Path values = Files.createTempFile("cluster-values", ".yaml");
    Files.writeString(
        values,
        String.join(
            "\n",
            "image: {repository: "
                + repo(tollgateImage)
                + ", tag: '"
                + tag(tollgateImage)
                + "', pullPolicy: Never}",
            "envoy:",
            "  replicas: 1",
            "  image: {repository: "
                + repo(envoy)
                + ", tag: '"
                + tag(envoy)
                + "', pullPolicy: Never}",
            // The first tier check opens the processor's TLS connection to the rate-limit service:
            // on this shared 2-core machine that can take longer than the 250 ms default, after
            // which the request stays on its model (docs/governance.md).
            "processor: {replicas: 1, rateLimitClient: {tierCheckTimeoutMs: 2000}}",
            "rateLimit: {replicas: 2}",
            "redis:",
            "  bundled:",
            "    enabled: true",
            "    image: {repository: "
                + repo(redis)
                + ", tag: '"
                + tag(redis)
                + "', pullPolicy: Never}",
            "providerPolicy:",
            "  namespaces: [platform]",
            "  endpoints: ['emulator-openai.platform.svc.cluster.local:8080',"
                + " 'emulator-azure.platform.svc.cluster.local:8080', 'vllm.platform.svc:8000',"
                + " 'vllm.platform.svc.cluster.local:8000']",
            ""));
    return values;
  }

  private static String repo(String image) {
    return image.substring(0, image.lastIndexOf(':'));
  }

  private static String tag(String image) {
    return image.substring(image.lastIndexOf(':') + 1);
  }

  /**
   * examples/multi-team/providers.yaml with the public endpoints and keys of the emulators. The
   * vllm stand-in is an emulator too, which wants a key like a vLLM started with {@code --api-key}:
   * the example's vllm provider, written for a vLLM without one, gets the Secret vllm-key. Without
   * it the 10% of team-a's fast calls that go to vllm got the emulator's 401.
   */
  private static Path providersForEmulators() throws IOException {
    String vllmEndpoint = "    service:\n      name: vllm\n      port: 8000\n";
    String providers =
        Files.readString(ROOT.resolve("examples/multi-team/providers.yaml"), StandardCharsets.UTF_8)
            .replace(vllmEndpoint, vllmEndpoint + "  credentials:\n    name: vllm-key\n")
            .replace(
                "url: https://api.openai.com",
                "url: http://emulator-openai.platform.svc.cluster.local:8080")
            .replace(
                "url: https://contoso-eu.openai.azure.com",
                "url: http://emulator-azure.platform.svc.cluster.local:8080")
            .replace("sk-example-openai-key-replace-me", EMULATOR_KEY)
            .replace("example-azure-key-replace-me", EMULATOR_KEY);
    assertThat(providers).contains("emulator-openai", "emulator-azure", "name: vllm-key");
    String vllmKey =
        "apiVersion: v1\nkind: Secret\nmetadata: {name: vllm-key, namespace: platform}\n"
            + "stringData: {apiKey: "
            + EMULATOR_KEY
            + "}\n---\n";
    Path file = Files.createTempFile("providers", ".yaml");
    Files.writeString(file, vllmKey + providers);
    return file;
  }

  private static void startPortForward() throws Exception {
    Path log = ClusterShell.newLog("port-forward");
    portForward =
        ClusterShell.startInCluster(
            log,
            Map.of(),
            "kubectl",
            "-n",
            RELEASE_NS,
            "port-forward",
            "svc/tg-tollgate-envoy",
            ":80");
    Pattern forwarding = Pattern.compile("Forwarding from 127\\.0\\.0\\.1:(\\d+)");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      Matcher matcher = forwarding.matcher(Files.readString(log));
      if (matcher.find()) {
        baseUrl = "http://127.0.0.1:" + matcher.group(1) + "/v1";
        return;
      }
      assertThat(portForward.isAlive()).as("kubectl port-forward (log %s)", log).isTrue();
      Thread.sleep(200);
    }
    throw new AssertionError("kubectl port-forward printed no port within 60s (log " + log + ")");
  }

  private static ClusterShell.Done python(String key, String... args) {
    return pythonOn("fast", key, args);
  }

  private static ClusterShell.Done pythonOn(String model, String key, String... args) {
    String[] command = new String[args.length + 7];
    command[0] = "env";
    command[1] = "TOLLGATE_BASE_URL=" + baseUrl;
    command[2] = "TOLLGATE_KEY=" + key;
    command[3] = "TOLLGATE_MODEL=" + model;
    command[4] = PYTHON.toString();
    command[5] = "-u";
    command[6] = "e2e/python/cluster_client_check.py";
    System.arraycopy(args, 0, command, 7, args.length);
    return inCluster(Duration.ofMinutes(3), command);
  }

  private static Process python(Path log, String key, String model, String... args)
      throws IOException {
    String[] command = new String[args.length + 3];
    command[0] = PYTHON.toString();
    command[1] = "-u";
    command[2] = "e2e/python/cluster_client_check.py";
    System.arraycopy(args, 0, command, 3, args.length);
    return ClusterShell.startInCluster(
        log,
        Map.of("TOLLGATE_BASE_URL", baseUrl, "TOLLGATE_KEY", key, "TOLLGATE_MODEL", model),
        command);
  }

  /** Retries a scenario until it passes: Envoy may get its routes a moment after Programmed. */
  private static void untilAnswered(String scenario, String key, Duration limit, String... more)
      throws InterruptedException {
    untilAnswered("fast", scenario, key, limit, more);
  }

  private static void untilAnswered(
      String model, String scenario, String key, Duration limit, String... more)
      throws InterruptedException {
    String[] args = new String[more.length + 1];
    args[0] = scenario;
    System.arraycopy(more, 0, args, 1, more.length);
    long deadline = System.nanoTime() + limit.toNanos();
    ClusterShell.Done last;
    do {
      last = pythonOn(model, key, args);
      if (last.exitCode() == 0) {
        return;
      }
      Thread.sleep(1_000);
    } while (System.nanoTime() < deadline);
    last.ok(scenario + " within " + limit);
  }
}
