package dev.tollgate.xds;

import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The aggregated discovery service Envoy connects to. Envoy nodes are grouped by their {@code
 * node.cluster} (the {@code --service-cluster} flag); every group gets the snapshot published for
 * it. Snapshots are checked for consistency before they are published. A type whose resources an
 * edit leaves as they were keeps its version, so Envoy is sent only the types that changed (a route
 * edit resends the routes, not thousands of clusters); the tracker reports acknowledgements as
 * model versions all the same ({@link TypeVersions}).
 *
 * <p>Thread-safe.
 */
public final class AdsServer implements AutoCloseable {
  /** The node group of Envoys that do not name a cluster. */
  public static final String DEFAULT_GROUP = "tollgate";

  /**
   * What joins the model's version and the listener certificate's in the version of the secrets:
   * {@code <model>+tls.<certificate>}.
   */
  public static final String VERSION_SUFFIX = "+tls.";

  /** The model's version in a version Envoy acknowledged, without the certificate's suffix. */
  public static String modelVersion(String acked) {
    int suffix = acked.indexOf(VERSION_SUFFIX);
    return suffix < 0 ? acked : acked.substring(0, suffix);
  }

  private static final Logger LOG = LoggerFactory.getLogger(AdsServer.class);

  private final SimpleCache<String> cache;
  private final NodeStatusTracker tracker;
  private final Server server;

  /** What each node group was last published, with each type's version. */
  private final Map<String, TypeVersions> versionsByGroup = new HashMap<>();

  private ListenerCertificate listenerCertificate;

  private AdsServer(SimpleCache<String> cache, NodeStatusTracker tracker, Server server) {
    this.cache = cache;
    this.tracker = tracker;
    this.server = server;
  }

  /**
   * Starts a plaintext ADS server, which serves every provider key to whoever connects: for tests
   * on loopback only.
   */
  public static AdsServer start(String host, int port, Clock clock) {
    return start(host, port, clock, InsecureServerCredentials.create());
  }

  /**
   * Starts an ADS server on the given address; port 0 picks a free port. With {@link
   * dev.tollgate.tls.ServerTls} credentials only clients with a certificate get configuration.
   */
  public static AdsServer start(String host, int port, Clock clock, ServerCredentials credentials) {
    NodeStatusTracker tracker = new NodeStatusTracker(clock);
    SimpleCache<String> cache =
        new SimpleCache<>(node -> node.getCluster().isEmpty() ? DEFAULT_GROUP : node.getCluster());
    NackAwareDiscoveryServer discovery = new NackAwareDiscoveryServer(tracker, cache);
    Server server =
        NettyServerBuilder.forAddress(new InetSocketAddress(host, port), credentials)
            .addService(discovery.getAggregatedDiscoveryServiceImpl())
            .keepAliveTime(30, TimeUnit.SECONDS)
            .permitKeepAliveTime(10, TimeUnit.SECONDS)
            .build();
    try {
      server.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the ADS server on " + host + ":" + port, e);
    }
    LOG.info("ADS server listening on {}:{}", host, server.getPort());
    return new AdsServer(cache, tracker, server);
  }

  /** Returns the port the server listens on. */
  public int port() {
    return server.getPort();
  }

  /** Returns the per-node acknowledgement tracker. */
  public NodeStatusTracker tracker() {
    return tracker;
  }

  /**
   * Publishes resources to a node group, after checking the snapshot is consistent.
   *
   * @throws IllegalArgumentException if a resource names another that is not part of the set
   */
  public void publish(String group, XdsResources resources) {
    List<String> problems = SnapshotConsistency.problems(resources);
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(
          "refusing to publish inconsistent configuration "
              + resources.version()
              + ": "
              + problems);
    }
    synchronized (this) {
      setSnapshot(group, resources);
    }
    LOG.info("published configuration version {} to node group {}", resources.version(), group);
  }

  /**
   * Serves the public listener's certificate to every node group as the SDS secret {@link
   * ListenerTls#SECRET}, next to the model's secrets, now and with every later publish. Envoy swaps
   * the certificate of new connections; the listener and open connections stay.
   */
  public void setListenerCertificate(ListenerCertificate certificate) {
    synchronized (this) {
      listenerCertificate = certificate;
      versionsByGroup.forEach((group, versions) -> setSnapshot(group, versions.resources()));
    }
    LOG.info("serving listener certificate version {}", certificate.version());
  }

  /** Returns the version of the listener certificate served, or null if none. */
  public synchronized String listenerCertificateVersion() {
    return listenerCertificate == null ? null : listenerCertificate.version();
  }

  private void setSnapshot(String group, XdsResources resources) {
    TypeVersions versions = TypeVersions.next(versionsByGroup.get(group), resources);
    versionsByGroup.put(group, versions);
    tracker.published(resources.version(), versions.byType());
    List<Secret> secrets = new ArrayList<>(resources.secrets());
    String secretsVersion = versions.secrets();
    if (listenerCertificate != null) {
      secrets.add(listenerCertificate.secret());
      secretsVersion += VERSION_SUFFIX + listenerCertificate.version();
    }
    cache.setSnapshot(
        group,
        Snapshot.create(
            resources.clusters(),
            versions.clusters(),
            List.of(),
            versions.clusters(),
            resources.listeners(),
            versions.listeners(),
            resources.routes(),
            versions.routes(),
            secrets,
            secretsVersion));
  }

  /**
   * Returns the model version last published to a group, or null. Each xDS type carries a version
   * of its own ({@link TypeVersions}): the model version at which its resources last changed.
   */
  public synchronized String publishedVersion(String group) {
    TypeVersions versions = versionsByGroup.get(group);
    return versions == null ? null : versions.resources().version();
  }

  @Override
  public void close() {
    server.shutdown();
    try {
      if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
        server.shutdownNow();
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
