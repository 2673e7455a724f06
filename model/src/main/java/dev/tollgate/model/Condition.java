package dev.tollgate.model;

/**
 * A status condition in the Gateway API style, computed by the model builder.
 *
 * @param type Accepted, ResolvedRefs or Programmed
 * @param status True or False
 * @param reason a CamelCase reason
 * @param message what a person should know and do
 */
public record Condition(String type, String status, String reason, String message) {
  /** The resource is valid and allowed. */
  public static final String ACCEPTED = "Accepted";

  /** Every reference of the resource resolves. */
  public static final String RESOLVED_REFS = "ResolvedRefs";

  /** Creates a condition whose status is True. */
  public static Condition isTrue(String type, String reason, String message) {
    return new Condition(type, "True", reason, message);
  }

  /** Creates a condition whose status is False. */
  public static Condition isFalse(String type, String reason, String message) {
    return new Condition(type, "False", reason, message);
  }

  /** Returns whether the status is True. */
  public boolean holds() {
    return "True".equals(status);
  }
}
