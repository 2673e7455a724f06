package dev.tollgate.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.model.GatewayModel;
import dev.tollgate.model.GatewayModelBuilder;
import dev.tollgate.model.source.LoadResult;
import dev.tollgate.model.source.ManifestReader;
import dev.tollgate.model.source.ResourceSnapshot;
import dev.tollgate.testkit.RepoRoot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Gateway models built from the examples, with edits, for unit tests. */
final class TestModels {
  private TestModels() {}

  /** Returns the YAML of every file of an example, concatenated. */
  static String example(String name) {
    Path folder = RepoRoot.resolve("examples").resolve(name);
    List<String> documents = new ArrayList<>();
    try (Stream<Path> files = Files.list(folder)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
        documents.add(Files.readString(file));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return String.join("\n---\n", documents);
  }

  /** Reads manifests strictly. */
  static ResourceSnapshot snapshot(String yaml) {
    LoadResult loaded = new ManifestReader().readString("test.yaml", yaml);
    assertThat(loaded.errors()).isEmpty();
    return loaded.snapshot();
  }

  /** Builds the model of manifests. */
  static GatewayModel model(String yaml) {
    return GatewayModelBuilder.build(snapshot(yaml));
  }
}
