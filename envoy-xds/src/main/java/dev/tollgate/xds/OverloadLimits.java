package dev.tollgate.xds;

import com.google.protobuf.Any;
import com.google.protobuf.util.Durations;
import io.envoyproxy.envoy.config.overload.v3.OverloadAction;
import io.envoyproxy.envoy.config.overload.v3.OverloadManager;
import io.envoyproxy.envoy.config.overload.v3.ResourceMonitor;
import io.envoyproxy.envoy.config.overload.v3.ThresholdTrigger;
import io.envoyproxy.envoy.config.overload.v3.Trigger;
import io.envoyproxy.envoy.extensions.resource_monitors.downstream_connections.v3.DownstreamConnectionsConfig;
import io.envoyproxy.envoy.extensions.resource_monitors.fixed_heap.v3.FixedHeapConfig;

/**
 * Envoy's overload manager for Tollgate's data plane: a cap on client connections, and actions that
 * shed load before the heap reaches its limit, so that a flood of clients costs requests, not the
 * process. The chart's bootstrap sets the same values (its {@code envoy.overload} defaults equal
 * these constants).
 */
public final class OverloadLimits {
  /** Heap Envoy may use: three quarters of the chart's 512 MiB memory limit. */
  public static final long MAX_HEAP_BYTES = 384L * 1024 * 1024;

  /** Client connections Envoy holds at most; more are closed as they are accepted. */
  public static final long MAX_CONNECTIONS = 10_000;

  static final String FIXED_HEAP = "envoy.resource_monitors.fixed_heap";
  static final String CONNECTIONS = "envoy.resource_monitors.global_downstream_max_connections";

  private OverloadLimits() {}

  /** The overload manager of the bootstrap. */
  static OverloadManager overloadManager() {
    return OverloadManager.newBuilder()
        .setRefreshInterval(Durations.fromMillis(250))
        .addResourceMonitors(
            ResourceMonitor.newBuilder()
                .setName(FIXED_HEAP)
                .setTypedConfig(
                    Any.pack(
                        FixedHeapConfig.newBuilder().setMaxHeapSizeBytes(MAX_HEAP_BYTES).build())))
        .addResourceMonitors(
            ResourceMonitor.newBuilder()
                .setName(CONNECTIONS)
                .setTypedConfig(
                    Any.pack(
                        DownstreamConnectionsConfig.newBuilder()
                            .setMaxActiveDownstreamConnections(MAX_CONNECTIONS)
                            .build())))
        .addActions(onHeap("envoy.overload_actions.shrink_heap", 0.95))
        .addActions(onHeap("envoy.overload_actions.disable_http_keepalive", 0.95))
        .addActions(onHeap("envoy.overload_actions.stop_accepting_requests", 0.98))
        .build();
  }

  private static OverloadAction onHeap(String action, double threshold) {
    return OverloadAction.newBuilder()
        .setName(action)
        .addTriggers(
            Trigger.newBuilder()
                .setName(FIXED_HEAP)
                .setThreshold(ThresholdTrigger.newBuilder().setValue(threshold)))
        .build();
  }
}
