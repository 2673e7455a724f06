package dev.tollgate.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Each xDS type keeps its version while its resources stay the same, and the tracker still reports
 * a node that runs every type's newest version as being at the newest model version.
 */
class TypeVersionsTest {
  static final String CDS = Resources.V3.CLUSTER_TYPE_URL;
  static final String RDS = Resources.V3.ROUTE_TYPE_URL;

  static XdsResources resources(String version, String route, String cluster) {
    return new XdsResources(
        version,
        List.of(),
        List.of(RouteConfiguration.newBuilder().setName(route).build()),
        List.of(Cluster.newBuilder().setName(cluster).build()),
        List.of());
  }

  @Test
  void aTypeKeepsItsVersionUntilItsResourcesChange() {
    TypeVersions v1 = TypeVersions.next(null, resources("v1", "r", "c"));
    assertThat(v1.byType().values()).allMatch(v -> v.startsWith("v1."));

    TypeVersions v2 = TypeVersions.next(v1, resources("v2", "r-edited", "c"));
    assertThat(v2.routes()).startsWith("v2.");
    assertThat(v2.clusters()).isEqualTo(v1.clusters());
    assertThat(v2.listeners()).isEqualTo(v1.listeners());
    assertThat(v2.secrets()).isEqualTo(v1.secrets());

    TypeVersions v3 = TypeVersions.next(v2, resources("v3", "r-edited", "c2"));
    assertThat(v3.routes()).isEqualTo(v2.routes());
    assertThat(v3.clusters()).startsWith("v3.");
  }

  @Test
  void theSameModelTranslatedDifferentlyGetsAnotherVersion() {
    // An upgraded control plane may translate an unchanged model (same version) differently: the
    // types that differ must not carry the version an Envoy already runs, or it is never resent.
    TypeVersions before = TypeVersions.next(null, resources("v1", "r", "airoute/old-name"));
    TypeVersions after = TypeVersions.next(null, resources("v1", "r", "fallback/new-name"));
    assertThat(after.clusters()).isNotEqualTo(before.clusters());
    assertThat(after.routes()).isEqualTo(before.routes());
    assertThat(TypeVersions.next(null, resources("v1", "r", "airoute/old-name")).byType())
        .isEqualTo(before.byType());
  }

  @Test
  void anAcknowledgedTypeVersionCountsAsTheNewestModelVersionPublishedWithIt() {
    NodeStatusTracker tracker = new NodeStatusTracker(Clock.systemUTC());
    TypeVersions v1 = TypeVersions.next(null, resources("v1", "r", "c"));
    tracker.published("v1", v1.byType());
    ack(tracker, CDS, v1.clusters());
    ack(tracker, RDS, v1.routes());
    assertThat(tracker.status("envoy").ackedEverything("v1")).isTrue();

    TypeVersions v2 = TypeVersions.next(v1, resources("v2", "r-edited", "c"));
    tracker.published("v2", v2.byType());
    // The clusters Envoy runs are v2's too; the routes are not yet.
    assertThat(tracker.status("envoy").ackedVersions())
        .containsEntry(CDS, "v2")
        .containsEntry(RDS, "v1");
    assertThat(tracker.status("envoy").ackedEverything("v2")).isFalse();

    ack(tracker, RDS, v2.routes());
    assertThat(tracker.status("envoy").ackedEverything("v2")).isTrue();
  }

  @Test
  void aRejectedTypeVersionIsReportedAtTheNewestModelVersionThatStillCarriesIt() {
    NodeStatusTracker tracker = new NodeStatusTracker(Clock.systemUTC());
    TypeVersions v1 = TypeVersions.next(null, resources("v1", "r", "c"));
    tracker.published("v1", v1.byType());
    ack(tracker, CDS, v1.clusters());
    TypeVersions v2 = TypeVersions.next(v1, resources("v2", "r", "bad"));
    tracker.published("v2", v2.byType());
    tracker.onV3StreamResponse(
        7,
        request(CDS, v1.clusters(), ""),
        DiscoveryResponse.newBuilder().setNonce("n2").setVersionInfo(v2.clusters()).build());
    tracker.onV3StreamRequest(
        7,
        request(CDS, v1.clusters(), "n2").toBuilder()
            .setErrorDetail(com.google.rpc.Status.newBuilder().setMessage("bad cluster"))
            .build());
    // A route edit keeps the rejected clusters: the newest model version still has them.
    TypeVersions v3 = TypeVersions.next(v2, resources("v3", "r-edited", "bad"));
    tracker.published("v3", v3.byType());
    assertThat(tracker.status("envoy").lastNack().orElseThrow().version()).isEqualTo("v3");
  }

  @Test
  void aTypeVersionThisProcessDidNotPublishCountsAsTheModelVersionItNames() {
    NodeStatusTracker tracker = new NodeStatusTracker(Clock.systemUTC());
    ack(tracker, CDS, "c44371c19d902bde.3f0a12bc45de");
    ack(tracker, RDS, "c44371c19d902bde.77aa12bc45de");
    assertThat(tracker.status("envoy").ackedEverything("c44371c19d902bde")).isTrue();
  }

  static DiscoveryRequest request(String type, String version, String nonce) {
    return DiscoveryRequest.newBuilder()
        .setNode(Node.newBuilder().setId("envoy"))
        .setTypeUrl(type)
        .setVersionInfo(version)
        .setResponseNonce(nonce)
        .build();
  }

  static void ack(NodeStatusTracker tracker, String type, String version) {
    tracker.onV3StreamRequest(7, request(type, version, "nonce-" + type + version));
  }
}
