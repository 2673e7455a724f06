package dev.tollgate.model.source;

/**
 * A document of a manifest folder that could not be read.
 *
 * @param location file and document number, e.g. {@code team-a.yaml#2}
 * @param resource kind, namespace and name when known, else empty
 * @param message what is wrong and how to fix it
 */
public record LoadError(String location, String resource, String message) {
  /** Returns the error as one line for a terminal or a log. */
  public String describe() {
    return location + (resource.isEmpty() ? "" : " (" + resource + ")") + ": " + message;
  }
}
