package dev.tollgate.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tollgate.model.GatewayModel;
import dev.tollgate.model.GatewayModelBuilder;
import dev.tollgate.model.source.LoadResult;
import dev.tollgate.model.source.ManifestReader;
import dev.tollgate.testkit.Ports;
import dev.tollgate.testkit.RepoRoot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A real Envoy, started from Tollgate's bootstrap, receives the multi-team configuration over ADS,
 * acknowledges it, never shows a provider key in its config dump, and keeps its last good
 * configuration when it rejects a bad one, and is resent what a restarted control plane translates
 * differently for the same model version. Fails (never skips) when Envoy is not installed.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EnvoyAdsIT {
  static Path work = Path.of("target", "envoy-ads-it").toAbsolutePath();

  static AdsServer ads;
  static EnvoyProcess envoy;
  static XdsResources good;
  static GatewayModel model;

  @BeforeAll
  static void startEnvoyAndAds() throws Exception {
    assertThat(EnvoyProcess.findBinary()).as(EnvoyProcess.INSTALL_HINT).isPresent();
    Files.deleteIfExists(work.resolve("envoy.log"));
    LoadResult loaded = new ManifestReader().readFolder(RepoRoot.resolve("examples/multi-team"));
    assertThat(loaded.errors()).isEmpty();
    model = GatewayModelBuilder.build(loaded.snapshot());
    XdsSettings local = XdsSettings.local();
    XdsSettings settings =
        local
            .withListener("127.0.0.1", Ports.free())
            .withServices("127.0.0.1", Ports.free(), "127.0.0.1", Ports.free());
    good = new XdsTranslator(settings).translate(model);
    ads = AdsServer.start("127.0.0.1", 0, Clock.systemUTC());
    ads.publish(AdsServer.DEFAULT_GROUP, good);
    int adminPort = Ports.free();
    envoy =
        EnvoyProcess.start(
            work,
            EnvoyBootstrap.toJson(
                EnvoyBootstrap.build(
                    "envoy-it", AdsServer.DEFAULT_GROUP, "127.0.0.1", ads.port(), adminPort)),
            adminPort,
            "info");
  }

  @AfterAll
  static void stop() {
    if (envoy != null) {
      envoy.close();
    }
    if (ads != null) {
      ads.close();
    }
  }

  @Test
  @Order(1)
  void envoyAcknowledgesTheMultiTeamConfiguration() {
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .failFast("Envoy exited:\n" + envoy.logTail(40), () -> !envoy.isAlive())
        .untilAsserted(
            () ->
                assertThat(ads.tracker().status("envoy-it").ackedVersions())
                    .as("ACKed versions; Envoy log:\n%s", envoy.logTail(30))
                    .hasSize(4)
                    .allSatisfy((type, version) -> assertThat(version).isEqualTo(good.version())));
    assertThat(ads.tracker().status("envoy-it").lastNack()).isEmpty();

    String dump = envoy.admin("/config_dump?include_eds").orElseThrow();
    assertThat(dump).contains("\"name\": \"" + XdsNames.LISTENER + "\"");
    assertThat(dump).contains("\"name\": \"" + XdsNames.ROUTE_CONFIG + "\"");
    for (Cluster cluster : good.clusters()) {
      assertThat(dump).contains("\"name\": \"" + cluster.getName() + "\"");
    }
    assertThat(dump).contains("provider/platform/openai/credential");
    assertThat(dump).contains("provider/platform/azure-eu/credential");
    assertThat(dump).contains("airoute/team-a/assistants/rule/0/model/fast");
    assertThat(dump).contains("\"version_info\": \"" + good.version() + ".");
  }

  @Test
  @Order(2)
  void configDumpNeverShowsAProviderKey() {
    String dump = envoy.admin("/config_dump?include_eds").orElseThrow();
    for (String key : model.credentialValues().values()) {
      assertThat(dump).doesNotContain(key);
    }
    assertThat(dump).doesNotContain("sk-example-openai-key-replace-me");
    assertThat(dump).doesNotContain("example-azure-key-replace-me");
  }

  @Test
  @Order(3)
  void aRouteEditResendsOnlyTheRoutesAndCountsAsAcknowledgedAtTheNewVersion() {
    long clusterUpdates = stat("cluster_manager.cds.update_success");
    long listenerUpdates = stat("listener_manager.lds.update_success");
    XdsResources edited =
        new XdsResources(
            "route-edit-" + good.version(),
            good.listeners(),
            List.of(good.routes().get(0).toBuilder().addResponseHeadersToRemove("x-edit").build()),
            good.clusters(),
            good.secrets());
    ads.publish(AdsServer.DEFAULT_GROUP, edited);

    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () ->
                assertThat(ads.tracker().status("envoy-it").ackedEverything(edited.version()))
                    .as("every type at the edit's version: %s", ads.tracker().status("envoy-it"))
                    .isTrue());
    String dump = envoy.admin("/config_dump").orElseThrow();
    assertThat(dump).contains("x-edit");
    assertThat(dump)
        .as("the routes carry the edit's version")
        .contains("\"version_info\": \"" + edited.version() + ".");
    assertThat(stat("cluster_manager.cds.update_success"))
        .as("clusters were not resent")
        .isEqualTo(clusterUpdates);
    assertThat(stat("listener_manager.lds.update_success"))
        .as("the listener was not resent")
        .isEqualTo(listenerUpdates);
    assertThat(ads.publishedVersion(AdsServer.DEFAULT_GROUP)).isEqualTo(edited.version());
    good = edited;
  }

  /** One of Envoy's counters, from its admin stats. */
  static long stat(String name) {
    String stats = envoy.admin("/stats?filter=update_success").orElseThrow();
    for (String line : stats.lines().toList()) {
      if (line.startsWith(name + ": ")) {
        return Long.parseLong(line.substring(name.length() + 2).trim());
      }
    }
    throw new AssertionError("Envoy has no counter " + name + ":\n" + stats);
  }

  @Test
  @Order(4)
  void rejectedSnapshotIsRecordedAndTheLastGoodConfigStays() throws Exception {
    List<Cluster> clusters = new ArrayList<>(good.clusters());
    clusters.add(
        Cluster.newBuilder()
            .setName("broken/provided-lb-on-static")
            .setType(Cluster.DiscoveryType.STATIC)
            .setLbPolicy(Cluster.LbPolicy.CLUSTER_PROVIDED)
            .setConnectTimeout(com.google.protobuf.util.Durations.fromSeconds(1))
            .build());
    XdsResources bad =
        new XdsResources(
            "bad-" + good.version(), good.listeners(), good.routes(), clusters, good.secrets());
    ads.publish(AdsServer.DEFAULT_GROUP, bad);

    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(() -> assertThat(ads.tracker().status("envoy-it").lastNack()).isPresent());
    var nack = ads.tracker().status("envoy-it").lastNack().orElseThrow();
    assertThat(nack.version()).isEqualTo(bad.version());
    assertThat(nack.typeUrl()).endsWith("envoy.config.cluster.v3.Cluster");
    assertThat(nack.message()).contains("broken/provided-lb-on-static");

    String dump = envoy.admin("/config_dump").orElseThrow();
    assertThat(dump).doesNotContain("\"name\": \"broken/provided-lb-on-static\"");
    assertThat(dump).contains("\"name\": \"" + XdsNames.LISTENER + "\"");
    assertThat(envoy.admin("/ready")).isPresent();
    Files.writeString(work.resolve("nack.txt"), nack.message());
  }

  @Test
  @Order(5)
  void anUpgradedControlPlaneThatTranslatesTheSameModelDifferentlyResendsWhatChanged()
      throws Exception {
    long clusterUpdates = stat("cluster_manager.cds.update_success");
    List<Cluster> clusters = new ArrayList<>(good.clusters());
    clusters.set(
        0,
        clusters.get(0).toBuilder()
            .setConnectTimeout(com.google.protobuf.util.Durations.fromMillis(4321))
            .build());
    XdsResources upgraded =
        new XdsResources(good.version(), good.listeners(), good.routes(), clusters, good.secrets());
    int port = ads.port();
    ads.close();
    ads = AdsServer.start("127.0.0.1", port, Clock.systemUTC());
    ads.publish(AdsServer.DEFAULT_GROUP, upgraded);

    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .failFast("Envoy exited:\n" + envoy.logTail(40), () -> !envoy.isAlive())
        .untilAsserted(
            () ->
                assertThat(envoy.admin("/config_dump").orElseThrow())
                    .as(
                        "an Envoy that reconnects at the same model version gets the clusters the"
                            + " new build translates differently")
                    .contains("4.321s"));
    assertThat(stat("cluster_manager.cds.update_success")).isGreaterThan(clusterUpdates);
  }
}
