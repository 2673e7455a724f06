package dev.tollgate.xds;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.model.source.ManifestReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every {@code golden/<case>.in.yaml} (resources) translates to {@code <case>.out.yaml} (conditions
 * and xDS). Run with {@code -Dtollgate.update=true} to rewrite the outputs and delete outputs whose
 * input is gone.
 */
class GoldenTest {
  private static final Path DIR = Path.of("src", "test", "resources", "golden");
  private static final boolean UPDATE = Boolean.getBoolean("tollgate.update");
  private static final XdsSettings SETTINGS = XdsSettings.local();

  @TestFactory
  Stream<DynamicTest> translatesEveryCaseToItsGoldenOutput() throws IOException {
    return inputs().stream()
        .map(
            input ->
                DynamicTest.dynamicTest(
                    caseName(input),
                    () -> {
                      String actual = render(input);
                      Path expected = DIR.resolve(caseName(input) + ".out.yaml");
                      if (UPDATE) {
                        Files.writeString(expected, actual);
                      }
                      assertThat(expected)
                          .as("golden output; run with -Dtollgate.update=true")
                          .exists();
                      assertThat(actual).isEqualTo(Files.readString(expected));
                    }));
  }

  @Test
  void everyOutputHasAnInputAndThereAreEnoughCases() throws IOException {
    List<String> cases = inputs().stream().map(GoldenTest::caseName).toList();
    try (Stream<Path> files = Files.list(DIR)) {
      for (Path output : files.filter(p -> p.toString().endsWith(".out.yaml")).toList()) {
        String name = output.getFileName().toString().replace(".out.yaml", "");
        if (!cases.contains(name) && UPDATE) {
          Files.delete(output);
        } else {
          assertThat(cases).as("orphan golden output %s", output).contains(name);
        }
      }
    }
    assertThat(cases).hasSizeGreaterThanOrEqualTo(20);
  }

  @Test
  void translationIsByteIdenticalWhenRepeated() throws IOException {
    for (Path input : inputs()) {
      assertThat(render(input)).isEqualTo(render(input));
    }
  }

  private static String render(Path input) throws IOException {
    var loaded =
        new ManifestReader().readString(input.getFileName().toString(), Files.readString(input));
    return TranslationReport.of(loaded, SETTINGS).toYaml();
  }

  private static List<Path> inputs() throws IOException {
    try (Stream<Path> files = Files.list(DIR)) {
      return files.filter(p -> p.toString().endsWith(".in.yaml")).sorted().toList();
    }
  }

  private static String caseName(Path input) {
    return input.getFileName().toString().replace(".in.yaml", "");
  }
}
