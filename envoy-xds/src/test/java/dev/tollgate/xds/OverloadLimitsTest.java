package dev.tollgate.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.tollgate.testkit.RepoRoot;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

class OverloadLimitsTest {
  @Test
  void theChartsDefaultsAreTheBootstrapsOwn() throws Exception {
    JsonNode values =
        new ObjectMapper(new YAMLFactory())
            .readTree(Files.readString(RepoRoot.path().resolve("helm/tollgate/values.yaml")));
    JsonNode overload = values.path("envoy").path("overload");
    assertThat(overload.path("maxHeapBytes").asLong()).isEqualTo(OverloadLimits.MAX_HEAP_BYTES);
    assertThat(overload.path("maxConnections").asLong()).isEqualTo(OverloadLimits.MAX_CONNECTIONS);
  }

  @Test
  void theBootstrapCapsConnectionsAndShedsLoadOnHeap() {
    Bootstrap bootstrap = EnvoyBootstrap.build("n", "g", "127.0.0.1", 18000, 9901);
    assertThat(bootstrap.getOverloadManager().getResourceMonitorsList())
        .extracting(m -> m.getName())
        .containsExactly(OverloadLimits.FIXED_HEAP, OverloadLimits.CONNECTIONS);
    assertThat(bootstrap.getOverloadManager().getActionsList())
        .extracting(a -> a.getName())
        .contains("envoy.overload_actions.stop_accepting_requests");
    assertThat(EnvoyBootstrap.toJson(bootstrap)).contains("maxActiveDownstreamConnections");
  }
}
