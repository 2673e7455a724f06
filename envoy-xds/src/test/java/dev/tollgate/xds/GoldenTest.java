package dev.tollgate.xds;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.model.ProviderPolicy;
import dev.tollgate.model.source.LoadResult;
import dev.tollgate.model.source.ManifestReader;
import io.fabric8.kubernetes.api.model.Secret;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every {@code golden/<case>.in.yaml} (resources) translates to {@code <case>.out.yaml} (conditions
 * and xDS) and builds the model {@code <case>.model.yaml}. Run with {@code -Dtollgate.update=true}
 * to rewrite the outputs and delete outputs whose input is gone. The rate-limit service's budget
 * policy of every case is ratelimit's {@code PolicyGoldenTest}.
 */
class GoldenTest {
  private static final Path DIR = Path.of("src", "test", "resources", "golden");
  private static final boolean UPDATE = Boolean.getBoolean("tollgate.update");
  private static final XdsSettings SETTINGS = XdsSettings.local();
  private static final List<String> OUTPUTS = List.of(".out.yaml", ".model.yaml");

  @TestFactory
  Stream<DynamicTest> translatesEveryCaseToItsGoldenOutput() throws IOException {
    return inputs().stream()
        .map(
            input ->
                DynamicTest.dynamicTest(
                    caseName(input),
                    () -> {
                      Map<String, String> rendered = render(input);
                      List<String> secrets = secretValues(load(input));
                      for (var output : rendered.entrySet()) {
                        Path expected = DIR.resolve(caseName(input) + output.getKey());
                        if (UPDATE) {
                          Files.writeString(expected, output.getValue());
                        }
                        assertThat(expected)
                            .as("golden output; run with -Dtollgate.update=true")
                            .exists();
                        assertThat(output.getValue()).isEqualTo(Files.readString(expected));
                        for (String secret : secrets) {
                          assertThat(output.getValue())
                              .as("%s shows a Secret's value", expected)
                              .doesNotContain(secret);
                        }
                      }
                    }));
  }

  @Test
  void everyOutputHasAnInputAndThereAreEnoughCases() throws IOException {
    List<String> cases = inputs().stream().map(GoldenTest::caseName).toList();
    try (Stream<Path> files = Files.list(DIR)) {
      for (Path output : files.toList()) {
        String file = output.getFileName().toString();
        for (String suffix : OUTPUTS) {
          if (!file.endsWith(suffix)) {
            continue;
          }
          String name = file.substring(0, file.length() - suffix.length());
          if (!cases.contains(name) && UPDATE) {
            Files.delete(output);
          } else {
            assertThat(cases).as("orphan golden output %s", output).contains(name);
          }
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

  @Test
  void secretValuesOfTheInputsAreFound() throws IOException {
    List<String> all = new ArrayList<>();
    for (Path input : inputs()) {
      all.addAll(secretValues(load(input)));
    }
    assertThat(all).as("the no-secret check would check nothing").contains("sk-golden-openai");
  }

  private static Map<String, String> render(Path input) throws IOException {
    String text = Files.readString(input);
    TranslationReport report =
        TranslationReport.of(load(input), settings(text), ProviderPolicy.ofHeader(text));
    return Map.of(".out.yaml", report.toYaml(), ".model.yaml", report.modelYaml());
  }

  /**
   * The settings of a case: the local ones, with the processor and the rate-limit service at DNS
   * names when a line reads {@code # service-hosts: PROCESSOR RATELIMIT}, traced when a line reads
   * {@code # otlp: ENDPOINT} (with {@code # otlp-ca-file: PATH}, {@code # otlp-service-name: NAME},
   * {@code # otlp-client-cert-file: PATH} and {@code # otlp-client-key-file: PATH} if given).
   */
  private static XdsSettings settings(String text) {
    XdsSettings settings = SETTINGS;
    String services = header(text, "# service-hosts:");
    if (services != null) {
      String[] hosts = services.split("\\s+");
      settings =
          settings.withServices(
              hosts[0], settings.processorPort(), hosts[1], settings.rateLimitPort());
    }
    String endpoint = header(text, "# otlp:");
    if (endpoint == null) {
      return settings;
    }
    return settings.withTracing(
        OtlpTracing.parse(
            endpoint,
            100,
            header(text, "# otlp-service-name:"),
            header(text, "# otlp-ca-file:"),
            header(text, "# otlp-client-cert-file:"),
            header(text, "# otlp-client-key-file:")));
  }

  private static String header(String text, String prefix) {
    return text.lines()
        .filter(line -> line.startsWith(prefix))
        .findFirst()
        .map(line -> line.substring(prefix.length()).strip())
        .orElse(null);
  }

  private static LoadResult load(Path input) throws IOException {
    return new ManifestReader().readString(input.getFileName().toString(), Files.readString(input));
  }

  /** The values of every Secret of a case long enough not to occur by chance. */
  private static List<String> secretValues(LoadResult loaded) {
    List<String> values = new ArrayList<>();
    for (Secret secret : loaded.snapshot().secrets()) {
      if (secret.getStringData() != null) {
        values.addAll(secret.getStringData().values());
      }
      if (secret.getData() != null) {
        secret
            .getData()
            .values()
            .forEach(
                v -> values.add(new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
      }
    }
    return values.stream().filter(v -> v.length() >= 6).toList();
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
