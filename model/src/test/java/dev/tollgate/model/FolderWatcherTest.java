package dev.tollgate.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.model.source.FolderWatcher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FolderWatcherTest {
  private static final String NAMESPACE = "apiVersion: v1\nkind: Namespace\nmetadata: {name: %s}\n";

  @Test
  void picksUpAChangedFileAndKeepsTheLastGoodVersionOfABrokenOne(@TempDir Path dir)
      throws Exception {
    Path a = dir.resolve("a.yaml");
    Path b = dir.resolve("b.yaml");
    write(a, NAMESPACE.formatted("one"), 1);
    write(b, NAMESPACE.formatted("two"), 1);
    try (FolderWatcher watcher = new FolderWatcher(dir)) {
      assertThat(names(watcher)).containsExactly("one", "two");
      assertThat(watcher.poll()).isFalse();

      write(a, NAMESPACE.formatted("uno"), 2);
      assertThat(watcher.poll()).isTrue();
      assertThat(names(watcher)).containsExactly("uno", "two");

      write(a, "apiVersion: v1\nkind: Namespace\nmetadata: {name: [broken\n", 3);
      assertThat(watcher.poll()).isTrue();
      assertThat(names(watcher)).containsExactly("uno", "two");
      assertThat(watcher.current().errors())
          .extracting(e -> e.location())
          .contains("a.yaml#1", "a.yaml");

      Files.delete(b);
      assertThat(watcher.poll()).isTrue();
      assertThat(names(watcher)).containsExactly("uno");
    }
  }

  @Test
  void followsEditsNewFilesAndDeletionsWithoutBeingPolled(@TempDir Path dir) throws Exception {
    Path a = dir.resolve("a.yaml");
    write(a, NAMESPACE.formatted("one"), 1);
    List<List<String>> seen = new CopyOnWriteArrayList<>();
    // A rescan interval far beyond the test: only watch events can deliver the changes.
    try (FolderWatcher watcher =
        new FolderWatcher(dir, Duration.ofMillis(10), Duration.ofHours(1))) {
      watcher.onChange(
          r ->
              seen.add(
                  r.snapshot().namespaces().stream().map(n -> n.getMetadata().getName()).toList()));
      watcher.start(() -> {});

      write(a, NAMESPACE.formatted("uno"), 2);
      awaitNames(watcher, "uno");
      Files.createDirectories(dir.resolve("team"));
      write(dir.resolve("team").resolve("b.yaml"), NAMESPACE.formatted("two"), 1);
      awaitNames(watcher, "uno", "two");
      write(dir.resolve("team").resolve("b.yaml"), NAMESPACE.formatted("dos"), 2);
      awaitNames(watcher, "uno", "dos");
      Files.writeString(dir.resolve(".a.yaml.swp"), "not a manifest");
      Files.delete(a);
      awaitNames(watcher, "dos");
      assertThat(seen).last().isEqualTo(List.of("dos"));
    }
  }

  @Test
  void aRewriteWithTheSameTextIsNoChange(@TempDir Path dir) throws Exception {
    Path a = dir.resolve("a.yaml");
    write(a, NAMESPACE.formatted("one"), 1);
    try (FolderWatcher watcher = new FolderWatcher(dir)) {
      write(a, NAMESPACE.formatted("one"), 2);
      assertThat(watcher.poll()).isFalse();
      assertThat(names(watcher)).containsExactly("one");
    }
  }

  private static void awaitNames(FolderWatcher watcher, String... expected) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      if (names(watcher).equals(List.of(expected))) {
        return;
      }
      Thread.sleep(10);
    }
    assertThat(names(watcher))
        .as("the folder's namespaces after its change event")
        .containsExactly(expected);
  }

  private static java.util.List<String> names(FolderWatcher watcher) {
    return watcher.current().snapshot().namespaces().stream()
        .map(n -> n.getMetadata().getName())
        .toList();
  }

  private static void write(Path file, String text, int version) throws Exception {
    Files.writeString(file, text);
    Files.setLastModifiedTime(
        file, FileTime.from(Instant.parse("2026-01-01T00:00:00Z").plusSeconds(version)));
  }
}
