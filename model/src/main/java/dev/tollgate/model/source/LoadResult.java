package dev.tollgate.model.source;

import java.util.List;

/**
 * What a manifest folder held: the resources that parsed, and the documents that did not.
 *
 * @param snapshot the resources read
 * @param errors the documents left out, in file order
 */
public record LoadResult(ResourceSnapshot snapshot, List<LoadError> errors) {
  /** Copies the error list. */
  public LoadResult {
    errors = List.copyOf(errors);
  }
}
