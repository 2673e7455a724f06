package dev.tollgate.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.model.Condition;
import dev.tollgate.model.GatewayModel;
import dev.tollgate.model.GatewayModelBuilder;
import dev.tollgate.model.Reasons;
import dev.tollgate.model.ResourceStatusReport;
import dev.tollgate.model.source.LoadResult;
import dev.tollgate.model.source.ManifestReader;
import dev.tollgate.testkit.KubeApiServerExtension;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.StatusCause;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The builder's spec checks and the CRD schema refuse the same manifests for the same field.
 *
 * <p>Every manifest under {@code src/test/resources/validation-parity} breaks one constraint and
 * names, in its {@code # field:} line, the field at fault. A real kube-apiserver must refuse it
 * naming exactly that field, and {@link GatewayModelBuilder} (which folder mode relies on, where no
 * API server validates) must refuse it naming that field or one inside it: the builder can point at
 * the list entry where a CEL rule on the list only knows the list.
 */
class ValidationParityIT {
  static final Path FIXTURES = Path.of("src/test/resources/validation-parity");

  @RegisterExtension static final KubeApiServerExtension API_SERVER = new KubeApiServerExtension();

  @TestFactory
  Stream<DynamicTest> apiServerAndBuilderRefuseEachFixtureForTheSameField() throws IOException {
    List<Path> files;
    try (Stream<Path> list = Files.list(FIXTURES)) {
      files = list.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    assertThat(files).hasSizeGreaterThanOrEqualTo(15);
    return files.stream()
        .flatMap(
            file ->
                Stream.of(
                    DynamicTest.dynamicTest(
                        file.getFileName() + " is refused by the API server",
                        () -> refusedByApiServer(file)),
                    DynamicTest.dynamicTest(
                        file.getFileName() + " is refused by the builder",
                        () -> refusedByBuilder(file))));
  }

  private static void refusedByApiServer(Path file) throws IOException {
    String yaml = Files.readString(file);
    String field = fieldOf(file, yaml);
    GenericKubernetesResource resource =
        Serialization.unmarshal(yaml, GenericKubernetesResource.class);
    assertThatThrownBy(() -> API_SERVER.admin().resource(resource).inNamespace("default").create())
        .as("%s must be refused by the API server", file.getFileName())
        .isInstanceOfSatisfying(
            KubernetesClientException.class,
            e -> {
              assertThat(e.getCode()).as(e.getMessage()).isEqualTo(422);
              List<String> fields =
                  e.getStatus().getDetails().getCauses().stream()
                      // This cause names no field: it says CEL rules were skipped after a schema
                      // error, which is the error the fixture is about.
                      .filter(c -> !c.getMessage().contains("validation rules were not checked"))
                      .map(StatusCause::getField)
                      .distinct()
                      .toList();
              assertThat(fields).as(e.getStatus().getMessage()).containsExactly(field);
            });
  }

  private static void refusedByBuilder(Path file) throws IOException {
    String yaml = Files.readString(file);
    String field = fieldOf(file, yaml);
    LoadResult load = new ManifestReader().readString(file.getFileName().toString(), yaml);
    assertThat(load.errors()).as("%s reads as a resource", file.getFileName()).isEmpty();
    GatewayModel model = GatewayModelBuilder.build(load.snapshot());
    assertThat(model.statuses()).hasSize(1);
    ResourceStatusReport status = model.statuses().get(0);
    Condition accepted = status.conditions().get(0);
    assertThat(accepted.type()).isEqualTo(Condition.ACCEPTED);
    assertThat(accepted.holds()).as("%s must not be accepted", file.getFileName()).isFalse();
    assertThat(accepted.reason()).isEqualTo(Reasons.INVALID);
    assertThat(accepted.message())
        .as("the builder names %s", field)
        .containsPattern(Pattern.compile("(^|; )" + Pattern.quote(field) + "[.\\[:]"));
  }

  private static String fieldOf(Path file, String yaml) {
    return yaml.lines()
        .filter(l -> l.startsWith("# field: "))
        .map(l -> l.substring("# field: ".length()).strip())
        .findFirst()
        .orElseThrow(() -> new AssertionError(file + " names no field in a '# field:' line"));
  }
}
