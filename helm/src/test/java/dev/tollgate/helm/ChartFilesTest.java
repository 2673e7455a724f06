package dev.tollgate.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.testkit.RepoRoot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The chart's files that are copies or companions of others stay in step with them: the CRDs, the
 * values schema, the dashboard and the Argo CD health checks. No tools needed.
 */
class ChartFilesTest {
  private static final Path CHART = RepoRoot.resolve("helm/tollgate");

  /**
   * helm/tollgate/crds holds crds/generated verbatim. With {@code -Dtollgate.update=true} (make
   * golden) the build copies them; otherwise a difference fails.
   */
  @Test
  void chartCrdsAreTheGeneratedOnes() throws IOException {
    Path generated = RepoRoot.resolve("crds/generated");
    Path copies = CHART.resolve("crds");
    List<Path> sources;
    try (Stream<Path> files = Files.list(generated)) {
      sources = files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
    assertThat(sources).hasSize(3);
    if (Boolean.getBoolean("tollgate.update")) {
      Files.createDirectories(copies);
      for (Path source : sources) {
        Files.copy(
            source, copies.resolve(source.getFileName()), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    for (Path source : sources) {
      Path copy = copies.resolve(source.getFileName());
      assertThat(copy).as("run `make golden` to copy %s into the chart", source).exists();
      assertThat(Files.readString(copy))
          .as("%s differs from %s: run `make golden`", copy, source)
          .isEqualTo(Files.readString(source));
    }
    try (Stream<Path> files = Files.list(copies)) {
      assertThat(files.count()).as("stray files in %s", copies).isEqualTo(sources.size());
    }
  }

  /** Every value in values.yaml is described by values.schema.json, so none escapes checking. */
  @Test
  void theSchemaDescribesEveryDefaultValue() throws IOException {
    JsonNode values = Manifests.parse(Files.readString(CHART.resolve("values.yaml"))).get(0);
    JsonNode schema = new ObjectMapper().readTree(CHART.resolve("values.schema.json").toFile());
    List<String> missing = new ArrayList<>();
    walk(values, schema, schema, "", missing);
    assertThat(missing).as("values without a schema").isEmpty();
  }

  private static void walk(
      JsonNode value, JsonNode schema, JsonNode root, String path, List<String> missing) {
    JsonNode resolved = resolve(schema, root);
    if (!value.isObject()) {
      return;
    }
    JsonNode properties = resolved.path("properties");
    Iterator<Map.Entry<String, JsonNode>> fields = value.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      String child = path.isEmpty() ? field.getKey() : path + "." + field.getKey();
      if (properties.has(field.getKey())) {
        walk(field.getValue(), properties.get(field.getKey()), root, child, missing);
      } else if (!resolved.has("additionalProperties")
          || resolved.get("additionalProperties").isBoolean()) {
        missing.add(child);
      }
    }
  }

  private static JsonNode resolve(JsonNode schema, JsonNode root) {
    JsonNode current = schema;
    while (current.has("$ref")) {
      String ref = current.get("$ref").asText();
      current = root.at(ref.substring(1));
    }
    return current;
  }

  /**
   * The dashboard is plain Grafana JSON: it parses, has a stable uid, and holds no template
   * delimiters that Helm would try to expand (the chart ships it with .Files.Get).
   */
  @Test
  void theDashboardIsGrafanaJsonTheChartCanShip() throws IOException {
    String text = Files.readString(CHART.resolve("dashboards/tollgate.json"));
    JsonNode dashboard = new ObjectMapper().readTree(text);
    assertThat(dashboard.path("uid").asText()).isEqualTo("tollgate-overview");
    assertThat(dashboard.path("panels").size()).isGreaterThanOrEqualTo(6);
    assertThat(text).doesNotContain("{{");
  }

  /** The argocd-cm patch holds gitops/argocd/health.lua verbatim for each of the three kinds. */
  @Test
  void theArgoCdConfigMapCarriesTheHealthCheckOfEveryKind() throws IOException {
    Path argocd = RepoRoot.resolve("gitops/argocd");
    String lua = Files.readString(argocd.resolve("health.lua"));
    JsonNode configMap =
        Manifests.parse(Files.readString(argocd.resolve("argocd-cm-health.yaml"))).get(0);
    assertThat(configMap.path("metadata").path("name").asText()).isEqualTo("argocd-cm");
    for (String kind : List.of("ModelProvider", "AIRoute", "TokenQuota")) {
      assertThat(
              configMap
                  .path("data")
                  .path("resource.customizations.health.tollgate.dev_" + kind)
                  .asText())
          .as("health check of %s", kind)
          .isEqualTo(lua);
    }
    assertThat(configMap.path("data").size()).isEqualTo(3);
  }
}
