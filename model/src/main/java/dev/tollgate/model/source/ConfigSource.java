package dev.tollgate.model.source;

/**
 * Where the resources of a gateway come from (a folder of manifests, the Kubernetes API): it yields
 * immutable {@link ResourceSnapshot}s and says when a new one may differ, and a {@link
 * ModelPublisher} turns them into models.
 *
 * <p>Implementations must be thread-safe: {@link #snapshot} is called on the publisher's thread
 * while changes arrive on the source's own.
 */
public interface ConfigSource extends AutoCloseable {
  /**
   * Starts following changes and returns once the source holds a complete first snapshot, so that
   * no model is ever built from a half-read source.
   *
   * @param onChange called, on any thread, after every change that can affect the model
   * @throws IllegalStateException when the source cannot be read at all
   */
  void start(Runnable onChange);

  /** Returns the resources as they are now. */
  ResourceSnapshot snapshot();

  /** Returns whether the source is still following changes (for liveness probes). */
  boolean healthy();

  /** Stops following changes. */
  @Override
  void close();
}
