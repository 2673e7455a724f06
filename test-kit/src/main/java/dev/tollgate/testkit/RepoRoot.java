package dev.tollgate.testkit;

import java.nio.file.Files;
import java.nio.file.Path;

/** The repository's root folder, where tests find the examples, CRDs, scripts and charts. */
public final class RepoRoot {
  private RepoRoot() {}

  /**
   * Returns the root: {@code -Dtollgate.root} (the build passes it to every test JVM), else the
   * nearest folder above the working directory that holds the Maven wrapper, as when an IDE runs a
   * test.
   */
  public static Path path() {
    String property = System.getProperty("tollgate.root", "");
    if (!property.isBlank()) {
      return Path.of(property).toAbsolutePath().normalize();
    }
    Path start = Path.of("").toAbsolutePath().normalize();
    for (Path dir = start; dir != null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve("mvnw")) && Files.isDirectory(dir.resolve(".mvn"))) {
        return dir;
      }
    }
    throw new IllegalStateException(
        "no repository root above " + start + ": pass -Dtollgate.root=<checkout>");
  }

  /** Returns a path below the root, such as {@code resolve("examples/quickstart")}. */
  public static Path resolve(String relative) {
    return path().resolve(relative);
  }
}
