package dev.tollgate.xds;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.model.GatewayModel.Backend;
import dev.tollgate.model.source.ManifestReader;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Rules with the same fallback chain share one aggregate cluster, so the clusters Envoy builds grow
 * with the distinct chains, not with the routes; chains that differ in any member or option never
 * share one.
 */
class SharedFallbackClustersTest {
  @Test
  void routesWithTheSameChainSendToOneAggregateAndAnotherChainGetsItsOwn() throws Exception {
    Path input = Path.of("src", "test", "resources", "golden", "route-shared-fallback.in.yaml");
    TranslationReport report =
        TranslationReport.of(
            new ManifestReader().readString(input.toString(), Files.readString(input)),
            XdsSettings.local());
    assertThat(report.hasErrors()).as(report.describeErrors()).isFalse();

    List<String> aggregates =
        report.xds().clusters().stream()
            .map(Cluster::getName)
            .filter(name -> name.startsWith("fallback/"))
            .toList();
    assertThat(aggregates).hasSize(2);

    Map<String, String> clusterByRoute =
        report.xds().routes().stream()
            .flatMap(config -> config.getVirtualHostsList().stream())
            .flatMap(host -> host.getRoutesList().stream())
            .filter(route -> route.getName().startsWith("airoute/"))
            .collect(
                Collectors.toMap(
                    route -> route.getName().split("/")[2],
                    route -> route.getRoute().getCluster(),
                    (a, b) -> a));
    assertThat(clusterByRoute.get("chat")).isEqualTo(clusterByRoute.get("code"));
    assertThat(clusterByRoute.get("batch")).isNotEqualTo(clusterByRoute.get("chat"));
    assertThat(aggregates).contains(clusterByRoute.get("chat"), clusterByRoute.get("batch"));
  }

  @Test
  void aChainsNameChangesWithEveryMemberAndOption() {
    Backend openai = backend("openai", "gpt-4o");
    Backend azure = backend("azure", "gpt-4o");
    String chain = XdsNames.fallbackCluster(List.of(openai, azure), false, false);

    assertThat(chain).startsWith("fallback/ai/openai/");
    assertThat(XdsNames.fallbackCluster(List.of(openai, azure), false, false)).isEqualTo(chain);
    assertThat(
            XdsNames.fallbackCluster(
                List.of(openai, backend("azure", "gpt-4o-mini")), false, false))
        .isNotEqualTo(chain);
    assertThat(XdsNames.fallbackCluster(List.of(openai, azure), true, false)).isNotEqualTo(chain);
    assertThat(XdsNames.fallbackCluster(List.of(openai, azure), false, true)).isNotEqualTo(chain);
  }

  private static Backend backend(String provider, String model) {
    return new Backend("ai", provider, model, 1, 0);
  }
}
