package dev.tollgate.xds;

import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records, per Envoy node, which configuration version it acknowledged for each resource type and
 * the last configuration it rejected with Envoy's error detail. The operator turns this into the
 * {@code Programmed} condition. Versions are reported as model versions: a type an edit left
 * unchanged keeps its older xDS version ({@link TypeVersions}), and counts as acknowledged at the
 * newest model version published with it.
 *
 * <p>Thread-safe: the discovery server calls it from its gRPC threads.
 */
public final class NodeStatusTracker implements DiscoveryServerCallbacks {
  private static final Logger LOG = LoggerFactory.getLogger(NodeStatusTracker.class);

  /**
   * A configuration an Envoy node rejected.
   *
   * @param typeUrl the resource type rejected
   * @param version the rejected version
   * @param message Envoy's error detail
   * @param at when the rejection arrived
   */
  public record Nack(String typeUrl, String version, String message, Instant at) {}

  /**
   * What one node has acknowledged and rejected.
   *
   * @param nodeId the Envoy node id
   * @param ackedVersions acknowledged version by type URL
   * @param lastNack the last rejection, if any
   * @param connected whether the node has an open stream
   */
  public record NodeStatus(
      String nodeId,
      Map<String, String> ackedVersions,
      Optional<Nack> lastNack,
      boolean connected) {

    /**
     * Returns whether every resource type sent to the node was acknowledged at this version; a
     * version with a {@link AdsServer#VERSION_SUFFIX} suffix (the listener certificate's) counts.
     */
    public boolean ackedEverything(String version) {
      return !ackedVersions.isEmpty()
          && ackedVersions.values().stream()
              .allMatch(v -> AdsServer.modelVersion(v).equals(version));
    }
  }

  private final Clock clock;
  private final Map<Long, String> nodeByStream = new ConcurrentHashMap<>();
  private final Map<String, Long> openStreams = new ConcurrentHashMap<>();
  private final Map<String, Map<String, String>> acked = new ConcurrentHashMap<>();
  private final Map<String, Nack> nacks = new ConcurrentHashMap<>();
  private final Map<String, String> versionByNonce = bounded(false);
  private final CopyOnWriteArrayList<Consumer<NodeStatus>> listeners = new CopyOnWriteArrayList<>();

  /**
   * The newest model version published with each type version, keyed {@code <type URL> <version>}
   * ({@link TypeVersions}); the least recently used are forgotten past 4,096.
   */
  private final Map<String, String> modelByTypeVersion = bounded(true);

  /**
   * A synchronized map of at most 4,096 entries that forgets the eldest, by insertion or, with
   * {@code accessOrder}, by last use.
   */
  private static Map<String, String> bounded(boolean accessOrder) {
    return java.util.Collections.synchronizedMap(
        new java.util.LinkedHashMap<>(256, 0.75f, accessOrder) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
            return size() > 4096;
          }
        });
  }

  /** Creates a tracker that timestamps rejections with the given clock. */
  public NodeStatusTracker(Clock clock) {
    this.clock = clock;
  }

  /** Registers a listener called after every acknowledgement or rejection. */
  public void addListener(Consumer<NodeStatus> listener) {
    listeners.add(listener);
  }

  /** Returns the status of every node seen, sorted by node id. */
  public Map<String, NodeStatus> nodes() {
    Map<String, NodeStatus> out = new TreeMap<>();
    for (String node : acked.keySet()) {
      out.put(node, status(node));
    }
    for (String node : nacks.keySet()) {
      out.computeIfAbsent(node, this::status);
    }
    return out;
  }

  /**
   * Records a publish: model version {@code model} carries each type at the version {@code byType}
   * names, so a node that acknowledged that type version runs that type as of {@code model}.
   */
  void published(String model, Map<String, String> byType) {
    byType.forEach((type, version) -> modelByTypeVersion.put(type + " " + version, model));
  }

  /**
   * Returns the status of one node, each acknowledged or rejected type version given as the newest
   * model version published with it (the listener certificate's suffix kept).
   */
  public NodeStatus status(String nodeId) {
    Map<String, String> versions = new TreeMap<>();
    acked.getOrDefault(nodeId, Map.of()).forEach((type, v) -> versions.put(type, model(type, v)));
    Nack nack = nacks.get(nodeId);
    if (nack != null) {
      nack =
          new Nack(
              nack.typeUrl(), model(nack.typeUrl(), nack.version()), nack.message(), nack.at());
    }
    return new NodeStatus(
        nodeId,
        Map.copyOf(versions),
        Optional.ofNullable(nack),
        openStreams.getOrDefault(nodeId, 0L) > 0);
  }

  /**
   * The newest model version published with a type's version. A type version this process did not
   * publish (an Envoy that ran another control plane's, or one forgotten) counts as the model
   * version it names: the part before {@link TypeVersions#version}'s digest.
   */
  private String model(String typeUrl, String version) {
    int suffix = version.indexOf(AdsServer.VERSION_SUFFIX);
    String typeVersion = suffix < 0 ? version : version.substring(0, suffix);
    String model = modelByTypeVersion.get(typeUrl + " " + typeVersion);
    if (model == null) {
      int digest = typeVersion.indexOf('.');
      model = digest < 0 ? typeVersion : typeVersion.substring(0, digest);
    }
    return suffix < 0 ? model : model + version.substring(suffix);
  }

  @Override
  public void onV3StreamRequest(long streamId, DiscoveryRequest request) {
    String node =
        request.hasNode()
            ? nodeByStream.computeIfAbsent(
                streamId,
                id -> {
                  openStreams.merge(request.getNode().getId(), 1L, Long::sum);
                  return request.getNode().getId();
                })
            : nodeByStream.get(streamId);
    if (node == null || request.getResponseNonce().isEmpty()) {
      return;
    }
    if (request.hasErrorDetail()) {
      String rejected = versionByNonce.getOrDefault(request.getResponseNonce(), "unknown");
      Nack nack =
          new Nack(
              request.getTypeUrl(),
              rejected,
              request.getErrorDetail().getMessage(),
              clock.instant());
      nacks.put(node, nack);
      LOG.warn(
          "Envoy node {} rejected {} version {}: {}",
          node,
          shortType(nack.typeUrl()),
          rejected,
          firstLine(nack.message()));
    } else {
      acked
          .computeIfAbsent(node, n -> new ConcurrentHashMap<>())
          .put(request.getTypeUrl(), request.getVersionInfo());
      nacks.computeIfPresent(
          node, (n, old) -> old.typeUrl().equals(request.getTypeUrl()) ? null : old);
    }
    NodeStatus status = status(node);
    listeners.forEach(l -> l.accept(status));
  }

  /** Returns the configuration version sent with a response nonce, if it is still known. */
  public Optional<String> versionOfNonce(String nonce) {
    return Optional.ofNullable(versionByNonce.get(nonce));
  }

  @Override
  public void onV3StreamResponse(
      long streamId, DiscoveryRequest request, DiscoveryResponse response) {
    versionByNonce.put(response.getNonce(), response.getVersionInfo());
  }

  @Override
  public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {
    // Tollgate serves state-of-the-world ADS only; Envoy's bootstrap asks for GRPC, not DELTA_GRPC.
  }

  @Override
  public void onStreamClose(long streamId, String typeUrl) {
    closed(streamId);
  }

  @Override
  public void onStreamCloseWithError(long streamId, String typeUrl, Throwable error) {
    closed(streamId);
  }

  private void closed(long streamId) {
    String node = nodeByStream.remove(streamId);
    if (node != null) {
      openStreams.computeIfPresent(node, (n, count) -> count <= 1 ? null : count - 1);
    }
  }

  /** Envoy's NACK details can embed a whole proto dump; the log gets its first line. */
  private static String firstLine(String message) {
    String first = message.lines().findFirst().orElse("");
    return first.length() <= 500 ? first : first.substring(0, 500) + "...";
  }

  private static String shortType(String typeUrl) {
    return typeUrl.substring(typeUrl.lastIndexOf('.') + 1);
  }
}
