package dev.tollgate.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.model.source.FolderWatcher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
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
