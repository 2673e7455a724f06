package dev.tollgate.operator;

import dev.tollgate.model.GatewayModel;
import dev.tollgate.model.ResourceRef;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Remembers the configuration versions published to Envoy, numbered in publishing order, and for
 * every accepted resource the first version of the current run in which its configuration took its
 * present form. A node that acknowledged that version, or a later one, runs the resource's current
 * configuration.
 *
 * <p>Versions are content hashes, so a restarted operator that publishes the same resources gets
 * the same version as the Envoys it finds, and they count as up to date. Not thread-safe: the
 * gateway state calls it from its one thread.
 */
final class PublishedVersions {
  /** Versions remembered; older ones count as unknown, i.e. not up to date. */
  static final int REMEMBERED = 256;

  /**
   * What the published versions say at one moment.
   *
   * @param version the version published last
   * @param sequence its number
   * @param since per accepted resource, the first version with its present form
   * @param sequenceByVersion the number of each remembered version
   */
  record Publication(
      String version,
      long sequence,
      Map<ResourceRef, Since> since,
      Map<String, Long> sequenceByVersion) {
    Publication {
      since = Map.copyOf(since);
      sequenceByVersion = Map.copyOf(sequenceByVersion);
    }
  }

  /**
   * The first published version that holds a resource's present form.
   *
   * @param sequence its number
   * @param version the version
   */
  record Since(long sequence, String version) {}

  private record Entry(Object form, Since since) {}

  private long sequence;
  private final Map<String, Long> sequenceByVersion =
      new LinkedHashMap<>(REMEMBERED * 2, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
          return size() > REMEMBERED;
        }
      };
  private final Map<ResourceRef, Entry> entries = new HashMap<>();

  /** Records a published model and returns the new state. */
  Publication record(GatewayModel model) {
    sequence++;
    sequenceByVersion.remove(model.version());
    sequenceByVersion.put(model.version(), sequence);
    Map<ResourceRef, Object> forms = ConfigChanges.forms(model);
    entries.keySet().retainAll(forms.keySet());
    Map<ResourceRef, Since> since = new HashMap<>();
    for (Map.Entry<ResourceRef, Object> form : forms.entrySet()) {
      Entry entry =
          entries.compute(
              form.getKey(),
              (ref, old) ->
                  old != null && old.form().equals(form.getValue())
                      ? old
                      : new Entry(form.getValue(), new Since(sequence, model.version())));
      since.put(form.getKey(), entry.since());
    }
    return new Publication(model.version(), sequence, since, sequenceByVersion);
  }
}
