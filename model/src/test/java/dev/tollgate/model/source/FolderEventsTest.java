package dev.tollgate.model.source;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FolderEventsTest {
  @Test
  void anOverflowOrAFolderEventAsksForARescanAndFileEventsNameTheirFiles(@TempDir Path dir)
      throws Exception {
    Files.createDirectories(dir.resolve("sub"));
    FolderEvents.Batch batch = new FolderEvents.Batch();
    batch.add(dir, List.of(event(StandardWatchEventKinds.ENTRY_MODIFY, "a.yaml")));
    batch.add(dir, List.of(event(StandardWatchEventKinds.ENTRY_DELETE, "gone.yml")));
    Files.writeString(dir.resolve("notes.txt"), "x");
    batch.add(dir, List.of(event(StandardWatchEventKinds.ENTRY_MODIFY, "notes.txt")));
    assertThat(batch.files).containsExactly(dir.resolve("a.yaml"), dir.resolve("gone.yml"));
    assertThat(batch.rescan).isFalse();

    FolderEvents.Batch overflow = new FolderEvents.Batch();
    overflow.add(dir, List.of(event(StandardWatchEventKinds.OVERFLOW, null)));
    assertThat(overflow.rescan).isTrue();

    FolderEvents.Batch folder = new FolderEvents.Batch();
    folder.add(dir, List.of(event(StandardWatchEventKinds.ENTRY_CREATE, "sub")));
    assertThat(folder.rescan).isTrue();
    assertThat(folder.newFolders).containsExactly(dir.resolve("sub"));

    // A ConfigMap volume swaps its ..data symlink: not a manifest, so the folder is rescanned.
    FolderEvents.Batch swap = new FolderEvents.Batch();
    swap.add(dir, List.of(event(StandardWatchEventKinds.ENTRY_CREATE, "..data")));
    assertThat(swap.rescan).isTrue();
  }

  private static WatchEvent<Path> event(WatchEvent.Kind<?> kind, String name) {
    return new WatchEvent<>() {
      @SuppressWarnings("unchecked")
      @Override
      public Kind<Path> kind() {
        return (Kind<Path>) kind;
      }

      @Override
      public int count() {
        return 1;
      }

      @Override
      public Path context() {
        return name == null ? null : Path.of(name);
      }
    };
  }
}
