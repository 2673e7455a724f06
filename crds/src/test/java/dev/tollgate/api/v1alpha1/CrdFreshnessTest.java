package dev.tollgate.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The CRDs checked in under {@code crds/generated} equal what the build generates from the Java
 * types. Run with {@code -Dtollgate.update=true} (or {@code make crds}) to refresh them.
 */
class CrdFreshnessTest {
  private static final Path GENERATED =
      Path.of(System.getProperty("tollgate.crds.generated", "target/classes/META-INF/fabric8"));
  private static final Path COMMITTED =
      Path.of(System.getProperty("tollgate.crds.committed", "generated"));

  @Test
  void committedCrdsMatchTheGeneratedOnes() throws IOException {
    List<Path> generated;
    try (Stream<Path> files = Files.list(GENERATED)) {
      generated = files.filter(p -> p.toString().endsWith("-v1.yml")).sorted().toList();
    }
    assertThat(generated).hasSize(3);
    if (Boolean.getBoolean("tollgate.update")) {
      Files.createDirectories(COMMITTED);
      for (Path file : generated) {
        Files.copy(
            file,
            COMMITTED.resolve(committedName(file)),
            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    }
    for (Path file : generated) {
      Path committed = COMMITTED.resolve(committedName(file));
      assertThat(committed).as("run `make crds` to refresh %s", committed).exists();
      assertThat(Files.readString(committed))
          .as("%s is stale: run `make crds`", committed)
          .isEqualTo(Files.readString(file));
    }
    try (Stream<Path> files = Files.list(COMMITTED)) {
      assertThat(files.count()).as("stray files in %s", COMMITTED).isEqualTo(generated.size());
    }
  }

  @Test
  void crdsCarryShortNamesCategoryStatusAndPrinterColumns() throws IOException {
    String routes = Files.readString(GENERATED.resolve("airoutes.tollgate.dev-v1.yml"));
    assertThat(routes)
        .contains("- \"air\"")
        .contains("- \"tollgate\"")
        .contains("subresources:")
        .contains("status: {}");
    assertThat(routes).contains("name: \"Programmed\"").contains("name: \"Models\"");
    String providers = Files.readString(GENERATED.resolve("modelproviders.tollgate.dev-v1.yml"));
    assertThat(providers).contains("x-kubernetes-validations").contains("name: \"Endpoint\"");
    String quotas = Files.readString(GENERATED.resolve("tokenquotas.tollgate.dev-v1.yml"));
    assertThat(quotas).contains("name: \"Used\"").contains("\"Month\"");
  }

  private static String committedName(Path generated) {
    return generated.getFileName().toString().replace("-v1.yml", ".yaml");
  }
}
