package dev.tollgate.model.source;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows a folder tree with the platform's {@link WatchService} and tells a {@link Sink} which
 * paths changed, in batches: after the first event it waits until the folder has been quiet for the
 * debounce delay (at most {@link #MAX_BATCH}), so an editor's several writes of one save are one
 * batch. An overflow (the kernel dropped events), a new or removed folder, or an event on a path
 * that is not a manifest file (a ConfigMap volume's {@code ..data} symlink swap) asks for a full
 * rescan instead, and so does every quiet {@code rescanInterval}, because watch services miss edits
 * on some mounts (bind mounts from another machine, network file systems).
 *
 * <p>Runs on one daemon thread of its own, started by {@link #start} and stopped by {@link #close}.
 */
final class FolderEvents implements AutoCloseable {
  /** The longest a batch collects events before it is handed on. */
  static final Duration MAX_BATCH = Duration.ofMillis(500);

  private static final Logger LOG = LoggerFactory.getLogger(FolderEvents.class);

  /** What the events are handed to; called on the events thread only. */
  interface Sink {
    /** These files (manifests, existing or deleted) changed. */
    void changed(Set<Path> files);

    /** Something changed that only a full rescan of the folder finds. */
    void rescan();
  }

  private final Path folder;
  private final Duration debounce;
  private final Duration rescanInterval;
  private final Sink sink;
  private final WatchService service;
  private final Thread thread;
  private volatile boolean closed;

  FolderEvents(Path folder, Duration debounce, Duration rescanInterval, Sink sink)
      throws IOException {
    this.folder = folder;
    this.debounce = debounce;
    this.rescanInterval = rescanInterval;
    this.sink = sink;
    this.service = FileSystems.getDefault().newWatchService();
    registerTree(folder);
    this.thread = new Thread(this::run, "tollgate-folder-events");
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  boolean running() {
    return thread.isAlive() && !closed;
  }

  private void registerTree(Path root) {
    if (!Files.isDirectory(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path dir : walk.filter(Files::isDirectory).toList()) {
        dir.register(
            service,
            StandardWatchEventKinds.ENTRY_CREATE,
            StandardWatchEventKinds.ENTRY_MODIFY,
            StandardWatchEventKinds.ENTRY_DELETE);
      }
    } catch (IOException | RuntimeException e) {
      // The periodic rescan still finds what is below; the folder may be gone or unreadable.
      LOG.warn("cannot watch {} for changes: {}", root, e.getMessage());
    }
  }

  private void run() {
    try {
      while (!closed) {
        WatchKey key = service.poll(rescanInterval.toMillis(), TimeUnit.MILLISECONDS);
        if (key == null) {
          sink.rescan();
          continue;
        }
        Batch batch = new Batch();
        long until = System.nanoTime() + MAX_BATCH.toNanos();
        while (key != null) {
          batch.add((Path) key.watchable(), key.pollEvents());
          if (!key.reset()) {
            batch.rescan = true; // a watched folder went away
          }
          long left = Math.min(debounce.toNanos(), until - System.nanoTime());
          key = left <= 0 ? null : service.poll(left, TimeUnit.NANOSECONDS);
        }
        hand(batch);
      }
    } catch (InterruptedException | ClosedWatchServiceException e) {
      // closed
    }
  }

  private void hand(Batch batch) {
    try {
      for (Path dir : batch.newFolders) {
        registerTree(dir);
      }
      if (batch.rescan) {
        sink.rescan();
      } else if (!batch.files.isEmpty()) {
        sink.changed(batch.files);
      }
    } catch (RuntimeException e) {
      LOG.warn("cannot follow changes below {}: {}", folder, e.getMessage());
    }
  }

  /** The events of one batch: manifest files touched, folders created, or a rescan asked for. */
  static final class Batch {
    final Set<Path> files = new LinkedHashSet<>();
    final Set<Path> newFolders = new LinkedHashSet<>();
    boolean rescan;

    void add(Path dir, List<WatchEvent<?>> events) {
      for (WatchEvent<?> event : events) {
        if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
          rescan = true;
          continue;
        }
        Path path = dir.resolve((Path) event.context());
        if (Files.isDirectory(path)) {
          newFolders.add(path);
          rescan = true;
        } else if (isManifest(path) && !Files.isSymbolicLink(path)) {
          files.add(path);
        } else if (!isIgnored(path)) {
          rescan = true;
        }
      }
    }

    /** Editors' swap and backup files, and other plain files that are not manifests. */
    private static boolean isIgnored(Path path) {
      return Files.isRegularFile(path) && !isManifest(path);
    }
  }

  /** Whether a path names a manifest file the folder source reads. */
  static boolean isManifest(Path path) {
    String name = path.getFileName().toString();
    return (name.endsWith(".yaml") || name.endsWith(".yml")) && !name.startsWith(".");
  }

  @Override
  public void close() {
    closed = true;
    try {
      service.close();
    } catch (IOException e) {
      LOG.debug("closing the watch service: {}", e.getMessage());
    }
    thread.interrupt();
  }
}
