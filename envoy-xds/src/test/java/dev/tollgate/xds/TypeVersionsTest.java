package dev.tollgate.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;

class TypeVersionsTest {
  private static final Listener LISTENER = Listener.newBuilder().setName("l").build();
  private static final Cluster CLUSTER = Cluster.newBuilder().setName("c").build();

  private static XdsResources resources(String version, String routeName) {
    return new XdsResources(
        version,
        List.of(LISTENER),
        List.of(RouteConfiguration.newBuilder().setName(routeName).build()),
        List.of(CLUSTER),
        List.of());
  }

  @Test
  void aTypeKeepsItsVersionUntilItsResourcesChange() {
    XdsResources first = resources("v1", "r");
    TypeVersions v1 = TypeVersions.next(null, null, first);
    assertThat(v1).isEqualTo(TypeVersions.all("v1"));

    XdsResources second = resources("v2", "r2");
    TypeVersions v2 = TypeVersions.next(first, v1, second);
    assertThat(v2).isEqualTo(new TypeVersions("v1", "v2", "v1", "v1"));
    assertThat(v2.changedIn("v2")).containsExactly("routes");

    XdsResources third = resources("v3", "r2");
    TypeVersions v3 = TypeVersions.next(second, v2, third);
    assertThat(v3).isEqualTo(new TypeVersions("v1", "v2", "v1", "v1"));
    assertThat(v3.changedIn("v3")).isEmpty();
  }

  @Test
  void aNodeThatAcknowledgedAKeptTypeVersionIsAtTheNewModelVersion() {
    NodeStatusTracker tracker = new NodeStatusTracker(Clock.systemUTC());
    tracker.published("v1", TypeVersions.all("v1"));
    ack(tracker, 1, Resources.V3.CLUSTER_TYPE_URL, "v1");
    ack(tracker, 1, Resources.V3.LISTENER_TYPE_URL, "v1");
    ack(tracker, 1, Resources.V3.ROUTE_TYPE_URL, "v1");
    ack(tracker, 1, Resources.V3.SECRET_TYPE_URL, "v1" + AdsServer.VERSION_SUFFIX + "cert");
    assertThat(tracker.status("node").ackedEverything("v1")).isTrue();

    // v2 changes the routes only: the node is at v2 once it acknowledged the routes.
    tracker.published("v2", new TypeVersions("v1", "v2", "v1", "v1"));
    assertThat(tracker.status("node").ackedEverything("v2")).isFalse();
    ack(tracker, 1, Resources.V3.ROUTE_TYPE_URL, "v2");
    assertThat(tracker.status("node").ackedEverything("v2")).isTrue();
    assertThat(tracker.status("node").ackedVersions())
        .containsEntry(Resources.V3.SECRET_TYPE_URL, "v2" + AdsServer.VERSION_SUFFIX + "cert")
        .containsEntry(Resources.V3.CLUSTER_TYPE_URL, "v2");
  }

  private static void ack(NodeStatusTracker tracker, long stream, String typeUrl, String version) {
    tracker.onV3StreamRequest(
        stream,
        DiscoveryRequest.newBuilder()
            .setNode(Node.newBuilder().setId("node"))
            .setTypeUrl(typeUrl)
            .setVersionInfo(version)
            .setResponseNonce("n-" + typeUrl + version)
            .build());
  }
}
