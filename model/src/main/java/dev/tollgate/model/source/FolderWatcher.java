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
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The standalone mode's config source: a folder of manifests, followed for changes.
 *
 * <p>Each file is read on its own. When a file that was good turns bad (invalid YAML, an unknown
 * field, any document that cannot be read), its errors are reported and the resources it held last
 * time it was good stay in the snapshot, so a half-saved edit never takes routes down. A deleted
 * file removes its resources. Listeners get a new {@link LoadResult} after every change; a {@link
 * ModelPublisher} is told through {@link #start(Runnable)}.
 *
 * <p>Changes are found by the platform's watch service ({@link FolderEvents}): an edit is read
 * within the debounce delay (20 ms by default), and only the files that changed are read again. As
 * a fallback for mounts where watch events do not arrive (and for the kernel's event queue
 * overflowing), the whole folder is compared by size and modification time every rescan interval (5
 * s by default) as well. The first read parses the files in parallel. Thread-safe; listeners are
 * called on the events thread.
 */
public final class FolderWatcher implements ConfigSource {
  /** How long an edit's events are collected before the changed files are read. */
  public static final Duration DEFAULT_DEBOUNCE = Duration.ofMillis(20);

  /** How often the whole folder is compared, for changes the watch service did not report. */
  public static final Duration DEFAULT_RESCAN = Duration.ofSeconds(5);

  private static final Logger LOG = LoggerFactory.getLogger(FolderWatcher.class);

  private final Path folder;
  private final Duration debounce;
  private final Duration rescanInterval;
  private final ManifestReader reader = new ManifestReader();
  private final Map<Path, FileState> files = new TreeMap<>();
  private final List<Consumer<LoadResult>> listeners = new ArrayList<>();
  private FolderEvents events;
  private volatile boolean closed;
  private LoadResult current;

  private record FileState(
      FileTime modified,
      long size,
      String text,
      List<HasMetadata> lastGood,
      List<LoadError> errors) {}

  /** Reads the folder once; call {@link #start} to follow it. */
  public FolderWatcher(Path folder) {
    this(folder, DEFAULT_DEBOUNCE, DEFAULT_RESCAN);
  }

  /**
   * Reads the folder once; call {@link #start} to follow it.
   *
   * @param folder the folder of manifests, read recursively
   * @param debounce how long an edit's events are collected before the files are read
   * @param rescanInterval how often the whole folder is compared, events or not
   */
  public FolderWatcher(Path folder, Duration debounce, Duration rescanInterval) {
    this.folder = folder;
    this.debounce = debounce;
    this.rescanInterval = rescanInterval;
    synchronized (this) {
      refresh(manifestFiles(), true);
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

  /**
   * Reports the errors of the first read, then follows the folder, telling onChange of changes.
   *
   * @throws IllegalStateException when the platform has no watch service for the folder
   */
  @Override
  public void start(Runnable onChange) {
    onChange(result -> onChange.run());
    for (LoadError error : current().errors()) {
      LOG.warn("{}", error.describe());
    }
    FolderEvents.Sink sink =
        new FolderEvents.Sink() {
          @Override
          public void changed(java.util.Set<Path> changed) {
            check(changed);
          }

          @Override
          public void rescan() {
            poll();
          }
        };
    synchronized (this) {
      try {
        events = new FolderEvents(folder, debounce, rescanInterval, sink);
      } catch (IOException e) {
        throw new IllegalStateException("cannot watch " + folder + ": " + e.getMessage(), e);
      }
      events.start();
    }
  }

  @Override
  public synchronized boolean healthy() {
    return !closed && (events == null || events.running());
  }

  /** Compares the whole folder now; returns whether anything changed. */
  public boolean poll() {
    return check(null);
  }

  /**
   * Reads these files again (null: compares the whole folder); returns whether anything changed.
   */
  private boolean check(java.util.Set<Path> changed) {
    List<Consumer<LoadResult>> toNotify;
    LoadResult result;
    synchronized (this) {
      try {
        boolean different =
            changed == null ? refresh(manifestFiles(), true) : refresh(List.copyOf(changed), false);
        if (!different) {
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

  /**
   * Reads the given files where their size or modification time changed. With {@code complete},
   * they are every manifest of the folder and any file not among them is gone; otherwise they are
   * the files an event named, and a name that no longer exists is a deleted file.
   */
  private boolean refresh(List<Path> paths, boolean complete) {
    Map<Path, FileState> next = new TreeMap<>(complete ? Map.of() : files);
    List<Path> toRead = new ArrayList<>();
    Map<Path, FileTime> modifiedTimes = new java.util.HashMap<>();
    Map<Path, Long> sizes = new java.util.HashMap<>();
    for (Path file : paths) {
      FileTime modified;
      long size;
      try {
        modified = Files.getLastModifiedTime(file);
        size = Files.size(file);
      } catch (IOException e) {
        next.remove(file); // gone (or unreadable: a rescan retries it)
        continue;
      }
      FileState previous = files.get(file);
      if (previous != null && previous.modified().equals(modified) && previous.size() == size) {
        next.put(file, previous);
        continue;
      }
      toRead.add(file);
      modifiedTimes.put(file, modified);
      sizes.put(file, size);
    }
    // Parsing dominates a large first read; each file is read on its own, so it parallelises.
    Map<Path, FileState> read = new java.util.concurrent.ConcurrentHashMap<>();
    (toRead.size() > 16 ? toRead.parallelStream() : toRead.stream())
        .forEach(
            file ->
                read.put(
                    file, read(file, modifiedTimes.get(file), sizes.get(file), files.get(file))));
    boolean changed = current == null;
    for (Path file : toRead) {
      FileState state = read.get(file);
      FileState previous = files.get(file);
      if (previous == null || !previous.text().equals(state.text())) {
        changed = true;
      }
      next.put(file, state);
    }
    if (!changed && next.keySet().equals(files.keySet())) {
      files.clear();
      files.putAll(next); // new modification times of files rewritten with the same text
      return false;
    }
    files.clear();
    files.putAll(next);
    List<HasMetadata> all = new ArrayList<>();
    List<LoadError> errors = new ArrayList<>();
    for (FileState state : files.values()) {
      all.addAll(state.lastGood());
      errors.addAll(state.errors());
    }
    current = new LoadResult(snapshot(all), errors);
    return true;
  }

  private FileState read(Path file, FileTime modified, long size, FileState previous) {
    String location = folder.relativize(file).toString();
    String text = "";
    LoadResult read;
    try {
      if (size > ManifestReader.MAX_FILE_BYTES) {
        read =
            new LoadResult(
                ResourceSnapshot.empty(),
                List.of(
                    new LoadError(location, "", "file larger than 4 MiB: split it or remove it")));
      } else {
        text = Files.readString(file);
        read = reader.readString(location, text);
      }
    } catch (IOException e) {
      read =
          new LoadResult(
              ResourceSnapshot.empty(),
              List.of(new LoadError(location, "", "cannot read file: " + e.getMessage())));
    }
    List<HasMetadata> objects = objects(read.snapshot());
    if (read.errors().isEmpty()) {
      return new FileState(modified, size, text, objects, List.of());
    }
    List<HasMetadata> kept = previous == null ? objects : previous.lastGood();
    List<LoadError> errors = new ArrayList<>(read.errors());
    if (previous != null) {
      errors.add(
          new LoadError(
              location,
              "",
              "kept the resources of the last good version of this file until it is fixed"));
    }
    return new FileState(modified, size, text, kept, errors);
  }

  private List<Path> manifestFiles() {
    if (!Files.isDirectory(folder)) {
      return List.of();
    }
    try (Stream<Path> walk = Files.walk(folder)) {
      return walk.filter(Files::isRegularFile).filter(FolderEvents::isManifest).sorted().toList();
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

  @Override
  public void close() {
    FolderEvents running;
    synchronized (this) {
      closed = true;
      running = events;
    }
    if (running != null) {
      running.close();
    }
  }
}
