package dev.tollgate.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.model.source.LoadResult;
import dev.tollgate.model.source.ManifestReader;
import dev.tollgate.model.source.ResourceSnapshot;
import dev.tollgate.testkit.RepoRoot;
import java.nio.file.Path;

/** Reads test manifests. */
final class Fixtures {
  private Fixtures() {}

  static Path examples(String name) {
    return RepoRoot.resolve("examples").resolve(name);
  }

  static ResourceSnapshot snapshot(String yaml) {
    LoadResult loaded = new ManifestReader().readString("test.yaml", yaml);
    assertThat(loaded.errors()).isEmpty();
    return loaded.snapshot();
  }

  static ResourceSnapshot example(String name) {
    LoadResult loaded = new ManifestReader().readFolder(examples(name));
    assertThat(loaded.errors()).isEmpty();
    return loaded.snapshot();
  }
}
