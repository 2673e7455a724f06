package dev.tollgate.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.testkit.KubeApiServerExtension;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The committed CRDs on a real kube-apiserver: they install, every example is accepted, and every
 * manifest under {@code src/test/resources/invalid} is rejected with the message its {@code #
 * expect:} lines name, so the CEL rules and schema constraints fire where kubectl shows them.
 */
class CrdValidationIT {
  static final Path INVALID = Path.of("src/test/resources/invalid");

  @RegisterExtension static final KubeApiServerExtension API_SERVER = new KubeApiServerExtension();

  @Test
  void everyExampleIsAcceptedByTheApiServer() {
    List<HasMetadata> created = ClusterObjects.createExample(API_SERVER.admin(), "multi-team");
    created.addAll(ClusterObjects.createExample(API_SERVER.admin(), "quickstart"));
    assertThat(created).hasSizeGreaterThan(15);
  }

  @TestFactory
  Stream<DynamicTest> everyInvalidManifestIsRejectedWithItsMessage() throws IOException {
    List<Path> files;
    try (Stream<Path> list = Files.list(INVALID)) {
      files = list.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    assertThat(files).hasSizeGreaterThanOrEqualTo(15);
    return files.stream()
        .map(
            file ->
                DynamicTest.dynamicTest(file.getFileName() + " is rejected", () -> rejects(file)));
  }

  private static void rejects(Path file) throws IOException {
    String yaml = Files.readString(file);
    List<String> expected =
        yaml.lines()
            .filter(l -> l.startsWith("# expect: "))
            .map(l -> l.substring("# expect: ".length()))
            .toList();
    assertThat(expected).as("%s names the message it expects", file).isNotEmpty();
    GenericKubernetesResource resource =
        Serialization.unmarshal(yaml, GenericKubernetesResource.class);
    assertThatThrownBy(() -> API_SERVER.admin().resource(resource).inNamespace("default").create())
        .as("%s must be rejected", file.getFileName())
        .isInstanceOfSatisfying(
            KubernetesClientException.class,
            e -> {
              assertThat(e.getCode()).isEqualTo(422);
              for (String message : expected) {
                assertThat(e.getStatus().getMessage()).contains(message);
              }
            });
  }
}
