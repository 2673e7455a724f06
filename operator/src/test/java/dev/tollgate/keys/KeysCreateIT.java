package dev.tollgate.keys;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.testkit.KubeApiServer;
import dev.tollgate.testkit.MutableClock;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code tollgate keys create} against a real kube-apiserver. */
class KeysCreateIT {
  static KubeApiServer server;
  static KubernetesClient admin;

  private final MutableClock clock = new MutableClock(Instant.parse("2026-03-10T10:00:00Z"));
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  @BeforeAll
  static void start() {
    server = KubeApiServer.start();
    admin = server.adminClient();
    admin
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName("team-a").endMetadata().build())
        .create();
  }

  @AfterAll
  static void stop() {
    if (admin != null) {
      admin.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private int run(String... args) {
    CommandLine cli =
        new CommandLine(new CreateKeyCommand(server::adminClient, clock))
            .setOut(new PrintWriter(out))
            .setErr(new PrintWriter(err));
    return cli.execute(args);
  }

  @Test
  void writesTheSecretTheRoutesReadAndPrintsTheKeyOnce() {
    int status =
        run(
            "--namespace=team-a",
            "--client=ci-bot",
            "--models=fast,smart",
            "--expires=90d",
            "--name=ci-bot-2026-03");

    assertThat(status).as(err.toString()).isZero();
    String key = out.toString().strip();
    assertThat(key).startsWith("tg-").hasSize(46);
    assertThat(err.toString()).contains("team-a/ci-bot-2026-03").doesNotContain(key);
    Secret secret = admin.secrets().inNamespace("team-a").withName("ci-bot-2026-03").get();
    assertThat(
            new String(
                Base64.getDecoder().decode(secret.getData().get("apiKey")), StandardCharsets.UTF_8))
        .isEqualTo(key);
    assertThat(secret.getMetadata().getLabels())
        .containsEntry("tollgate.dev/client-key", "true")
        .containsEntry("tollgate.dev/client", "ci-bot");
    assertThat(secret.getMetadata().getAnnotations())
        .containsEntry("tollgate.dev/models", "fast,smart")
        .containsEntry("tollgate.dev/expires-at", "2026-06-08T10:00:00Z");
  }

  @Test
  void neverOverwritesAnExistingSecretAndPrintsNoKeyThen() {
    assertThat(run("--namespace=team-a", "--client=app", "--name=app-key")).isZero();
    out.getBuffer().setLength(0);

    int status = run("--namespace=team-a", "--client=app", "--name=app-key");

    assertThat(status).isEqualTo(1);
    assertThat(out.toString()).isEmpty();
    assertThat(err.toString()).contains("could not create Secret team-a/app-key");
  }

  @Test
  void printsYamlForGitOpsWithoutTouchingTheCluster() {
    int status = run("--namespace=team-a", "--client=intern", "--output=yaml", "--name=intern-1");

    assertThat(status).isZero();
    assertThat(out.toString()).contains("kind: \"Secret\"").contains("apiKey: \"tg-");
    assertThat(admin.secrets().inNamespace("team-a").withName("intern-1").get()).isNull();
  }

  @Test
  void refusesAnExpiryItCannotReadNamingTheForms() {
    assertThat(run("--namespace=team-a", "--client=x", "--expires=tomorrow")).isEqualTo(2);
    assertThat(err.toString()).contains("RFC 3339").contains("90d");
    assertThat(out.toString()).isEmpty();
  }
}
