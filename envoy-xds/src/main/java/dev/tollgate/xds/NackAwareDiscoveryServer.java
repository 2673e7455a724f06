package dev.tollgate.xds;

import io.envoyproxy.controlplane.cache.ConfigWatcher;
import io.envoyproxy.controlplane.cache.XdsRequest;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import java.util.List;

/**
 * A discovery server that does not resend a configuration Envoy has just rejected.
 *
 * <p>A NACK carries Envoy's last good version, which differs from the snapshot's, so the plain
 * server answers it at once with the same rejected resources, and Envoy rejects them again: a busy
 * loop. Here a NACK is treated as "up to date with the rejected version", so the stream waits for
 * the next published snapshot instead. Thread-safe.
 */
final class NackAwareDiscoveryServer extends V3DiscoveryServer {
  private final NodeStatusTracker tracker;

  NackAwareDiscoveryServer(NodeStatusTracker tracker, ConfigWatcher cache) {
    super(List.of(tracker), cache);
    this.tracker = tracker;
  }

  @Override
  protected XdsRequest wrapXdsRequest(DiscoveryRequest request) {
    if (request.hasErrorDetail()) {
      var rejected = tracker.versionOfNonce(request.getResponseNonce());
      if (rejected.isPresent()) {
        return XdsRequest.create(request.toBuilder().setVersionInfo(rejected.get()).build());
      }
    }
    return super.wrapXdsRequest(request);
  }
}
