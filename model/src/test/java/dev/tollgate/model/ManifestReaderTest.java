package dev.tollgate.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.model.source.LoadResult;
import dev.tollgate.model.source.ManifestReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManifestReaderTest {
  private final ManifestReader reader = new ManifestReader();

  @Test
  void readsEveryExampleFolderStrictlyWithoutErrors() throws Exception {
    try (Stream<Path> examples = Files.list(Fixtures.examples("."))) {
      for (Path folder : examples.filter(Files::isDirectory).toList()) {
        LoadResult loaded = reader.readFolder(folder);
        assertThat(loaded.errors()).as(folder.toString()).isEmpty();
        assertThat(loaded.snapshot().routes()).as(folder.toString()).isNotEmpty();
      }
    }
  }

  @Test
  void unknownFieldIsNamedWithItsPathAndTheKnownFields() {
    LoadResult loaded =
        reader.readString(
            "r.yaml",
            """
            apiVersion: tollgate.dev/v1alpha1
            kind: TokenQuota
            metadata: {name: q}
            spec:
              limits: [{name: t, type: Tokens, amount: "1", window: 1m, windw: 1h}]
            """);
    assertThat(loaded.errors())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.location()).isEqualTo("r.yaml#1");
              assertThat(e.resource()).isEqualTo("TokenQuota default/q");
              assertThat(e.message()).contains("spec.limits[0].windw").contains("window");
            });
  }

  @Test
  void invalidYamlIsReportedAndEarlierDocumentsStillCount(@TempDir Path dir) throws Exception {
    Files.writeString(
        dir.resolve("a.yaml"),
        """
        apiVersion: v1
        kind: Namespace
        metadata: {name: ok}
        ---
        kind: [unclosed
        """);
    Files.writeString(
        dir.resolve("b.yml"), "apiVersion: v1\nkind: Namespace\nmetadata: {name: also-ok}\n");
    Files.writeString(dir.resolve("notes.txt"), "not a manifest");
    LoadResult loaded = reader.readFolder(dir);
    assertThat(loaded.snapshot().namespaces()).hasSize(2);
    assertThat(loaded.errors())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.location()).isEqualTo("a.yaml#2");
              assertThat(e.message()).startsWith("invalid YAML");
            });
  }

  @Test
  void deeplyNestedOrHugeInputIsRejectedWithoutAStackTrace() {
    String deep =
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: x, labels: "
            + "[".repeat(5000)
            + "]".repeat(5000)
            + "}\n";
    LoadResult loaded = reader.readString("deep.yaml", deep);
    assertThat(loaded.errors())
        .singleElement()
        .satisfies(e -> assertThat(e.message()).doesNotContain("\tat "));
    String bigNumber =
        "apiVersion: tollgate.dev/v1alpha1\nkind: ModelProvider\nmetadata: {name: p}\nspec: {connection: {maxConcurrentRequests: "
            + "9".repeat(100)
            + "}}\n";
    assertThat(reader.readString("n.yaml", bigNumber).errors()).hasSize(1);
  }

  @Test
  void emptyDocumentsAndATrailingSeparatorAreIgnored() {
    LoadResult loaded =
        reader.readString(
            "e.yaml", "---\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n");
    assertThat(loaded.errors()).isEmpty();
    assertThat(loaded.snapshot().namespaces()).hasSize(1);
  }

  @Test
  void aFileThatIsNotAFolderIsAClearError(@TempDir Path dir) {
    LoadResult loaded = reader.readFolder(dir.resolve("missing"));
    assertThat(loaded.errors())
        .singleElement()
        .satisfies(e -> assertThat(e.message()).contains("not a folder"));
  }
}
