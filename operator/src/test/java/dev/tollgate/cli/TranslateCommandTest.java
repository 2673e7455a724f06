package dev.tollgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.testkit.RepoRoot;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class TranslateCommandTest {
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cli = new CommandLine(new TollgateCommand());
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    return cli.execute(args);
  }

  private static Path examples(String name) {
    return RepoRoot.resolve("examples").resolve(name);
  }

  @Test
  void translatesTheMultiTeamExampleAndExitsZero() {
    assertThat(run("translate", "-f", examples("multi-team").toString())).isZero();
    assertThat(out.toString())
        .contains("name: tollgate-http")
        .contains("airoute/team-a/assistants/rule/0/model/fast");
    assertThat(out.toString()).doesNotContain("sk-example-openai-key-replace-me");
    assertThat(err.toString()).isEmpty();
  }

  @Test
  void namesTheRouteWhoseProviderIsMissingAndExitsNonZero(@TempDir Path dir) throws Exception {
    Files.writeString(
        dir.resolve("route.yaml"),
        """
        apiVersion: tollgate.dev/v1alpha1
        kind: AIRoute
        metadata: {name: orphan, namespace: team-z}
        spec:
          clients: {jwt: {issuer: "https://i.example", jwksUri: "https://i.example/jwks"}}
          rules:
            - models: [m]
              backends: [{provider: {name: ghost}, model: m}]
        """);
    assertThat(run("translate", "-f", dir.toString())).isEqualTo(1);
    assertThat(err.toString())
        .contains("AIRoute team-z/orphan")
        .contains("spec.rules[0].backends[0].provider")
        .contains("ModelProvider team-z/ghost does not exist");
  }

  @Test
  void fullOutputCarriesConditionsAndLoadErrors(@TempDir Path dir) throws Exception {
    Files.writeString(
        dir.resolve("bad.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n");
    assertThat(run("translate", "-f", dir.toString(), "--output", "full")).isEqualTo(1);
    assertThat(out.toString()).contains("loadErrors:").contains("unsupported apiVersion/kind");
    assertThat(err.toString()).contains("bad.yaml#1");
  }

  @Test
  void missingFolderOptionIsAUsageError() {
    assertThat(run("translate")).isEqualTo(2);
    assertThat(err.toString()).contains("--folder");
  }
}
