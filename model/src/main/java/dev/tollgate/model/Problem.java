package dev.tollgate.model;

/**
 * One thing wrong with a resource, as shown to a person.
 *
 * @param field the path of the offending field, e.g. {@code spec.rules[0].backends[1].model}
 * @param reason the condition reason it leads to
 * @param message what is wrong and how to fix it
 */
public record Problem(String field, String reason, String message) {
  /** Returns the field and message as one line. */
  public String describe() {
    return field.isEmpty() ? message : field + ": " + message;
  }
}
