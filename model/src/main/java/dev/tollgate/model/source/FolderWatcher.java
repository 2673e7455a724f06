package dev.tollgate.model.source;

import io.fabric8.kubernetes.api.model.HasMetadata;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The standalone mode's config source: a folder of manifests, polled for changes.
 *
 * <p>Each file is read on its own. When a file that was good turns bad (invalid YAML, an unknown
 * field, any document that cannot be read), its errors are reported and the resources it held last
 * time it was good stay in the snapshot, so a half-saved edit never takes routes down. A deleted
 * file removes its resources. Listeners get a new {@link LoadResult} after every change; a {@link
 * ModelPublisher} is told through {@link #start(Runnable)}.
 *
 * <p>Polling (by size and modification time, twice a second by default) rather than a watch
 * service, because watch services miss edits on bind mounts and ConfigMap symlink swaps.
 * Thread-safe; listeners are called on the polling thread.
 */
public final class FolderWatcher implements ConfigSource {
  /** How often {@link #start(Runnable)} polls unless told otherwise. */
  public static final Duration DEFAULT_INTERVAL = Duration.ofMillis(500);

  private static final Logger LOG = LoggerFactory.getLogger(FolderWatcher.class);

  private final Path folder;
  private final Duration interval;
  private final ManifestReader reader = new ManifestReader();
  private final Map<Path, FileState> files = new TreeMap<>();
  private final List<Consumer<LoadResult>> listeners = new ArrayList<>();
  private final ScheduledExecutorService poller;
  private LoadResult current;

  private record FileState(
      FileTime modified, long size, List<HasMetadata> lastGood, List<LoadError> errors) {}

  /** Reads the folder once; call {@link #start} to poll it every {@link #DEFAULT_INTERVAL}. */
  public FolderWatcher(Path folder) {
    this(folder, DEFAULT_INTERVAL);
  }

  /** Reads the folder once; call {@link #start} to poll it at the interval. */
  public FolderWatcher(Path folder, Duration interval) {
    this.folder = folder;
    this.interval = interval;
    this.poller =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "tollgate-folder-watcher");
              t.setDaemon(true);
              return t;
            });
    synchronized (this) {
      refresh();
    }
  }

  /** Returns the current resources and errors. */
  public synchronized LoadResult current() {
    return current;
  }

  /** Registers a listener for changes. */
  public synchronized void onChange(Consumer<LoadResult> listener) {
    listeners.add(listener);
  }

  @Override
  public synchronized ResourceSnapshot snapshot() {
    return current.snapshot();
  }

  /** Reports the errors of the first read, then polls the folder, telling onChange of changes. */
  @Override
  public void start(Runnable onChange) {
    onChange(result -> onChange.run());
    for (LoadError error : current().errors()) {
      LOG.warn("{}", error.describe());
    }
    poller.scheduleWithFixedDelay(
        this::poll, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public boolean healthy() {
    return !poller.isShutdown();
  }

  /** Checks the folder now; returns whether anything changed. */
  public boolean poll() {
    List<Consumer<LoadResult>> toNotify;
    LoadResult result;
    synchronized (this) {
      try {
        if (!refresh()) {
          return false;
        }
      } catch (RuntimeException e) {
        LOG.warn("cannot read {}: {}", folder, e.getMessage());
        return false;
      }
      toNotify = List.copyOf(listeners);
      result = current;
    }
    for (LoadError error : result.errors()) {
      LOG.warn("{}", error.describe());
    }
    for (Consumer<LoadResult> listener : toNotify) {
      try {
        listener.accept(result);
      } catch (RuntimeException e) {
        LOG.error("a config listener failed", e);
      }
    }
    return true;
  }

  private boolean refresh() {
    Map<Path, FileState> seen = new TreeMap<>();
    boolean changed = current == null;
    for (Path file : manifestFiles()) {
      FileTime modified;
      long size;
      try {
        modified = Files.getLastModifiedTime(file);
        size = Files.size(file);
      } catch (IOException e) {
        continue;
      }
      FileState previous = files.get(file);
      if (previous != null && previous.modified().equals(modified) && previous.size() == size) {
        seen.put(file, previous);
        continue;
      }
      changed = true;
      String location = folder.relativize(file).toString();
      LoadResult read;
      try {
        read =
            size > ManifestReader.MAX_FILE_BYTES
                ? new LoadResult(
                    ResourceSnapshot.empty(),
                    List.of(
                        new LoadError(
                            location, "", "file larger than 4 MiB: split it or remove it")))
                : reader.readString(location, Files.readString(file));
      } catch (IOException e) {
        read =
            new LoadResult(
                ResourceSnapshot.empty(),
                List.of(new LoadError(location, "", "cannot read file: " + e.getMessage())));
      }
      List<HasMetadata> objects = objects(read.snapshot());
      if (read.errors().isEmpty()) {
        seen.put(file, new FileState(modified, size, objects, List.of()));
      } else {
        List<HasMetadata> kept = previous == null ? objects : previous.lastGood();
        List<LoadError> errors = new ArrayList<>(read.errors());
        if (previous != null) {
          errors.add(
              new LoadError(
                  location,
                  "",
                  "kept the resources of the last good version of this file until it is fixed"));
        }
        seen.put(file, new FileState(modified, size, kept, errors));
      }
    }
    if (!seen.keySet().equals(files.keySet())) {
      changed = true;
    }
    files.clear();
    files.putAll(seen);
    if (!changed) {
      return false;
    }
    List<HasMetadata> all = new ArrayList<>();
    List<LoadError> errors = new ArrayList<>();
    for (FileState state : files.values()) {
      all.addAll(state.lastGood());
      errors.addAll(state.errors());
    }
    LoadResult next = new LoadResult(snapshot(all), errors);
    boolean different = current == null || !Objects.equals(describe(current), describe(next));
    current = next;
    return different;
  }

  private List<Path> manifestFiles() {
    if (!Files.isDirectory(folder)) {
      return List.of();
    }
    try (Stream<Path> walk = Files.walk(folder)) {
      return walk.filter(Files::isRegularFile)
          .filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
          .filter(p -> !p.getFileName().toString().startsWith("."))
          .sorted()
          .toList();
    } catch (IOException e) {
      LOG.warn("cannot list {}: {}", folder, e.getMessage());
      return List.copyOf(files.keySet());
    }
  }

  private static List<HasMetadata> objects(ResourceSnapshot s) {
    List<HasMetadata> all = new ArrayList<>();
    all.addAll(s.providers());
    all.addAll(s.routes());
    all.addAll(s.quotas());
    all.addAll(s.secrets());
    all.addAll(s.namespaces());
    return all;
  }

  private static ResourceSnapshot snapshot(List<HasMetadata> all) {
    return new ResourceSnapshot(
        only(all, dev.tollgate.api.v1alpha1.ModelProvider.class),
        only(all, dev.tollgate.api.v1alpha1.AIRoute.class),
        only(all, dev.tollgate.api.v1alpha1.TokenQuota.class),
        only(all, io.fabric8.kubernetes.api.model.Secret.class),
        only(all, io.fabric8.kubernetes.api.model.Namespace.class));
  }

  private static <T> List<T> only(List<HasMetadata> all, Class<T> type) {
    return all.stream().filter(type::isInstance).map(type::cast).toList();
  }

  private static String describe(LoadResult result) {
    return String.valueOf(objects(result.snapshot())) + result.errors();
  }

  @Override
  public void close() {
    poller.shutdownNow();
  }
}
