package dev.tollgate.operator;

import dev.tollgate.xds.NodeStatusTracker.Nack;
import io.fabric8.kubernetes.api.model.ObjectReference;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells people what happened to the configuration: a log line and Events when a version is
 * published (on the operator's Pod and on each changed resource) and when an Envoy node rejects
 * one. Called on the gateway state's thread.
 */
final class ConfigAnnouncer {
  private static final Logger LOG = LoggerFactory.getLogger(ConfigAnnouncer.class);

  /** Most resources told about one change by an Event each; the log has the rest. */
  static final int MAX_EVENTS_PER_CHANGE = 20;

  private final EventRecorder events;
  private final ObjectReference operatorPod;

  /**
   * Creates an announcer.
   *
   * @param events where Events go
   * @param operatorPod the operator's own Pod, for Events about the whole configuration, or null
   */
  ConfigAnnouncer(EventRecorder events, ObjectReference operatorPod) {
    this.events = events;
    this.operatorPod = operatorPod;
  }

  /** Announces a published version; {@code previous} is null for the first. */
  void published(ConfigChanges changes, GatewayView previous, GatewayView next) {
    if (previous == null) {
      String line =
          "configuration version "
              + changes.version()
              + " published at start ("
              + changes.totals()
              + ")";
      LOG.info(line);
      if (operatorPod != null) {
        events.record(operatorPod, EventRecorder.NORMAL, "ConfigurationPublished", line);
      }
      return;
    }
    LOG.info(changes.summary());
    if (operatorPod != null) {
      events.record(operatorPod, EventRecorder.NORMAL, "ConfigurationPublished", changes.summary());
    }
    for (ConfigChanges.Change change :
        changes.changes().subList(0, Math.min(MAX_EVENTS_PER_CHANGE, changes.changes().size()))) {
      ObjectReference about = next.references().get(change.resource());
      boolean exists = about != null;
      if (about == null) {
        about = previous.references().get(change.resource());
      }
      if (about != null) {
        events.record(
            about,
            EventRecorder.NORMAL,
            "ConfigurationPublished",
            changes.describe(change, exists));
      }
    }
  }

  /** Announces that a node rejected a version, on the resources that changed in it. */
  void rejected(String node, Nack nack, GatewayView view) {
    String message =
        "Envoy node "
            + node
            + " rejected configuration version "
            + nack.version()
            + " and keeps running its previous configuration: "
            + EnvoyRejection.describe(nack.typeUrl(), nack.message());
    List<ObjectReference> about = new ArrayList<>();
    if (view != null) {
      view.publication().since().entrySet().stream()
          .filter(e -> e.getValue().version().equals(nack.version()))
          .map(e -> view.references().get(e.getKey()))
          .filter(Objects::nonNull)
          .sorted(Comparator.comparing(r -> r.getNamespace() + "/" + r.getName()))
          .limit(MAX_EVENTS_PER_CHANGE)
          .forEach(about::add);
    }
    if (operatorPod != null) {
      about.add(operatorPod);
    }
    for (ObjectReference reference : about) {
      events.record(reference, EventRecorder.WARNING, "ConfigurationRejected", message);
    }
  }
}
