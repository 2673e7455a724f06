package dev.tollgate.model.source;

import dev.tollgate.model.GatewayModel;
import dev.tollgate.model.GatewayModelBuilder;
import dev.tollgate.model.ProviderPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one model pipeline of every mode: when its {@link ConfigSource} changes, it builds a
 * GatewayModel from the source's snapshot, skips versions it built already, and hands each new
 * version to its listeners (processor, rate-limit service) in the order they were added.
 *
 * <p>Changes are debounced: the first change of a burst (a {@code kubectl apply} of a folder)
 * schedules one build after the debounce delay, and changes until that build starts join it. A
 * {@link Gate} sees every build first; it is where a mode publishes xDS to Envoy, so that a model
 * whose xDS was refused never reaches the listeners and the services never disagree with Envoy. One
 * listener's failure is logged and does not keep the model from the others.
 *
 * <p>Thread-safe: builds and listener calls are serialised; they run on the scheduler's thread, or
 * on the caller's for {@link #start}, {@link #build} and {@link #addListener}.
 */
public final class ModelPublisher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ModelPublisher.class);

  /** Runs a task once after a delay; injected so that tests control time. */
  public interface Scheduler extends AutoCloseable {
    /**
     * Runs a task after a delay.
     *
     * @throws RejectedExecutionException when the scheduler is shut down
     */
    void schedule(Runnable task, Duration delay);

    /** Releases the scheduler's thread, if it owns one. */
    @Override
    default void close() {}

    /** Schedules on an executor that someone else owns and shuts down. */
    static Scheduler on(ScheduledExecutorService executor) {
      return (task, delay) -> executor.schedule(task, delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Schedules on a daemon thread of its own, stopped by {@link #close}. */
    static Scheduler ownThread(String name) {
      ScheduledExecutorService executor =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, name);
                t.setDaemon(true);
                return t;
              });
      return new Scheduler() {
        @Override
        public void schedule(Runnable task, Duration delay) {
          executor.schedule(task, delay.toMillis(), TimeUnit.MILLISECONDS);
        }

        @Override
        public void close() {
          executor.shutdownNow();
        }
      };
    }
  }

  /** The step every build passes before the listeners hear of it. */
  @FunctionalInterface
  public interface Gate {
    /** A gate that lets every new version through. */
    Gate OPEN = build -> true;

    /**
     * Sees a build, whether its version is new or not (the operator follows which objects the model
     * was built from), and returns whether a new version may go to the listeners. An exception
     * fails the build; the version is built again on the next change.
     */
    boolean admit(Build build);
  }

  /**
   * One build of the model.
   *
   * @param snapshot the resources it was built from
   * @param model the model
   * @param newVersion whether the model's version differs from the one built before
   * @param took how long the build took, for metrics
   */
  public record Build(
      ResourceSnapshot snapshot, GatewayModel model, boolean newVersion, Duration took) {}

  private final ConfigSource source;
  private final ProviderPolicy providerPolicy;
  private final Duration debounce;
  private final Scheduler scheduler;
  private final Gate gate;
  private final List<Consumer<GatewayModel>> listeners = new ArrayList<>();
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private volatile boolean started;
  private volatile boolean closed;
  private String builtVersion;
  private volatile GatewayModel current;
  private ResourceSnapshot previewedSnapshot;
  private GatewayModel previewed;

  /**
   * Creates a publisher; nothing is built before {@link #start}.
   *
   * @param source where the resources are read; started by the caller
   * @param providerPolicy where providers may point; every mode passes the operator's setting
   * @param debounce how long changes are collected before the model is built
   * @param scheduler where debounced builds run; closed with the publisher
   * @param gate what every build passes before the listeners get it
   */
  public ModelPublisher(
      ConfigSource source,
      ProviderPolicy providerPolicy,
      Duration debounce,
      Scheduler scheduler,
      Gate gate) {
    this.source = source;
    this.providerPolicy = providerPolicy;
    this.debounce = debounce;
    this.scheduler = scheduler;
    this.gate = gate;
  }

  /**
   * Builds the first model and from then on follows {@link #requestBuild}. Call once the source
   * holds its first complete snapshot.
   *
   * @throws RuntimeException when the first model cannot be built or the gate fails
   */
  public void start() {
    // Started before the first build so that a change during it is built again afterwards.
    started = true;
    build();
  }

  /** Asks for a build after the debounce delay; joins a build already asked for. */
  public void requestBuild() {
    if (started && !closed && scheduled.compareAndSet(false, true)) {
      try {
        scheduler.schedule(this::debouncedBuild, debounce);
      } catch (RejectedExecutionException e) {
        scheduled.set(false);
      }
    }
  }

  private void debouncedBuild() {
    scheduled.set(false);
    if (closed) {
      return;
    }
    try {
      build();
    } catch (RuntimeException e) {
      // The scheduler would otherwise swallow the error; the next change retries.
      LOG.error("cannot build the gateway model", e);
    }
  }

  /**
   * Builds the model of the source's snapshot without handing it on, for services that need a model
   * before {@link #start}; the next build reuses it if the snapshot is still the same object, so a
   * large gateway is not built twice at start.
   */
  public synchronized GatewayModel preview() {
    ResourceSnapshot snapshot = source.snapshot();
    if (snapshot != previewedSnapshot) {
      previewed = GatewayModelBuilder.build(snapshot, providerPolicy);
      previewedSnapshot = snapshot;
    }
    return previewed;
  }

  /** Builds the model now from the source's snapshot and hands a new version on. */
  public synchronized void build() {
    long begin = System.nanoTime();
    ResourceSnapshot snapshot = source.snapshot();
    GatewayModel model =
        snapshot == previewedSnapshot
            ? previewed
            : GatewayModelBuilder.build(snapshot, providerPolicy);
    previewedSnapshot = null;
    previewed = null;
    boolean newVersion = !model.version().equals(builtVersion);
    Duration took = Duration.ofNanos(System.nanoTime() - begin);
    boolean admitted = gate.admit(new Build(snapshot, model, newVersion, took));
    builtVersion = model.version();
    if (!newVersion || !admitted) {
      return;
    }
    current = model;
    LOG.info(
        "model {}: {} providers, {} routes, {} quotas, {} client keys",
        model.version(),
        model.providers().size(),
        model.routes().size(),
        model.quotas().size(),
        model.clients().size());
    for (Consumer<GatewayModel> listener : listeners) {
      notify(listener, model);
    }
  }

  /** Registers a listener of every new version, called at once with the current one if any. */
  public synchronized void addListener(Consumer<GatewayModel> listener) {
    listeners.add(listener);
    if (current != null) {
      notify(listener, current);
    }
  }

  private static void notify(Consumer<GatewayModel> listener, GatewayModel model) {
    try {
      listener.accept(model);
    } catch (RuntimeException e) {
      LOG.error("a model listener failed on version {}", model.version(), e);
    }
  }

  /** Returns the model the listeners got last, or null before the first. */
  public GatewayModel current() {
    return current;
  }

  /** Stops building; the source is the caller's to close. */
  @Override
  public void close() {
    closed = true;
    scheduler.close();
  }
}
