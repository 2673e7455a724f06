package dev.tollgate.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.testkit.RepoRoot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * gitops/argocd/health.lua, run by gopher-lua (the interpreter Argo CD embeds, same version as Argo
 * CD 3.2) against resources in each state the operator reports.
 */
class ArgoCdHealthIT {
  private static final Path SCRIPT = RepoRoot.resolve("gitops/argocd/health.lua");

  @Test
  void noStatusYetIsProgressing() throws IOException {
    assertThat(health("metadata: {generation: 1}\nspec: {}"))
        .startsWith("Progressing|Waiting for the Tollgate operator");
  }

  @Test
  void programmedForTheCurrentGenerationIsHealthy() throws IOException {
    assertThat(
            health(
                conditions(
                    2,
                    "{type: Accepted, status: 'True', reason: Accepted, observedGeneration: 2}",
                    "{type: ResolvedRefs, status: 'True', reason: ResolvedRefs, observedGeneration: 2}",
                    "{type: Programmed, status: 'True', reason: Programmed, observedGeneration: 2,"
                        + " message: 'acknowledged by 2 Envoy nodes'}")))
        .isEqualTo("Healthy|acknowledged by 2 Envoy nodes");
  }

  @Test
  void aStaleGenerationIsProgressingEvenWhenItWasProgrammed() throws IOException {
    assertThat(
            health(
                conditions(
                    3,
                    "{type: Accepted, status: 'True', reason: Accepted, observedGeneration: 2}",
                    "{type: Programmed, status: 'True', reason: Programmed, observedGeneration: 2}")))
        .startsWith("Progressing|Waiting for the Tollgate operator to process generation 3");
  }

  @Test
  void pendingIsProgressing() throws IOException {
    assertThat(
            health(
                conditions(
                    1,
                    "{type: Accepted, status: 'True', reason: Accepted, observedGeneration: 1}",
                    "{type: Programmed, status: 'False', reason: Pending, observedGeneration: 1,"
                        + " message: 'no Envoy is connected'}")))
        .isEqualTo("Progressing|Pending: no Envoy is connected");
  }

  @Test
  void rejectedByEnvoyOrNotAcceptedIsDegradedWithTheReason() throws IOException {
    assertThat(
            health(
                conditions(
                    1,
                    "{type: Accepted, status: 'True', reason: Accepted, observedGeneration: 1}",
                    "{type: Programmed, status: 'False', reason: Rejected, observedGeneration: 1,"
                        + " message: 'envoy-0 rejected version abc'}")))
        .isEqualTo("Degraded|Rejected: envoy-0 rejected version abc");
    assertThat(
            health(
                conditions(
                    1,
                    "{type: Accepted, status: 'False', reason: InvalidSpec, observedGeneration: 1,"
                        + " message: 'spec.rules[0].timeout: use a duration like 30s'}",
                    "{type: Programmed, status: 'False', reason: NotAccepted, observedGeneration: 1}")))
        .isEqualTo(
            "Degraded|Not accepted (InvalidSpec): spec.rules[0].timeout: use a duration like 30s");
  }

  @Test
  void unresolvedReferencesOfAProgrammedResourceAreNamed() throws IOException {
    assertThat(
            health(
                conditions(
                    1,
                    "{type: Accepted, status: 'True', reason: Accepted, observedGeneration: 1}",
                    "{type: ResolvedRefs, status: 'False', reason: SecretNotFound, observedGeneration: 1,"
                        + " message: 'client key Secret team-a/bob not found'}",
                    "{type: Programmed, status: 'True', reason: Programmed, observedGeneration: 1}")))
        .isEqualTo(
            "Healthy|Programmed; unresolved references (SecretNotFound): client key Secret"
                + " team-a/bob not found");
  }

  private static String conditions(int generation, String... conditions) {
    return "metadata: {name: r, generation: "
        + generation
        + "}\nstatus:\n  conditions: ["
        + String.join(", ", conditions)
        + "]";
  }

  /** Runs the script with {@code obj} set to the given resource; returns "status|message". */
  private static String health(String resourceYaml) throws IOException {
    JsonNode resource = Manifests.parse(resourceYaml).get(0);
    String program =
        "obj = "
            + lua(resource)
            + "\nlocal function check()\n"
            + Files.readString(SCRIPT)
            + "\nend\nlocal hs = check()\nio.write(hs.status .. \"|\" .. (hs.message or \"\"))\n";
    Path file = Files.createTempFile("health-", ".lua");
    try {
      Files.writeString(file, program);
      return Tools.run(List.of(Tools.glua().toString(), file.toString()), null)
          .assertSuccess("glua")
          .stdout();
    } finally {
      Files.deleteIfExists(file);
    }
  }

  /** A Lua table constructor for a JSON tree; arrays become sequences, as Argo CD converts them. */
  private static String lua(JsonNode node) {
    if (node.isObject()) {
      StringBuilder out = new StringBuilder("{");
      Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> field = fields.next();
        out.append("[").append(quote(field.getKey())).append("]=").append(lua(field.getValue()));
        out.append(",");
      }
      return out.append("}").toString();
    }
    if (node.isArray()) {
      StringBuilder out = new StringBuilder("{");
      for (JsonNode item : node) {
        out.append(lua(item)).append(",");
      }
      return out.append("}").toString();
    }
    if (node.isNumber()) {
      return node.asText();
    }
    if (node.isBoolean()) {
      return node.asText();
    }
    if (node.isNull()) {
      return "nil";
    }
    return quote(node.asText());
  }

  private static String quote(String text) {
    return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
  }
}
