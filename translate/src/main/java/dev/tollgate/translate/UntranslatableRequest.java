package dev.tollgate.translate;

/**
 * A typed refusal: the client's request uses something the backend's API cannot express faithfully.
 * The caller answers 400 with {@link #errorBody()}, which is already in the client API's error
 * shape and names the field; the request is never sent silently changed.
 */
public final class UntranslatableRequest extends Exception {
  private static final long serialVersionUID = 1L;

  private final String field;
  private final transient byte[] errorBody;

  UntranslatableRequest(String field, String message, byte[] errorBody) {
    super(message);
    this.field = field;
    this.errorBody = errorBody;
  }

  /** The JSON path of the field that cannot be translated, such as {@code messages[2].name}. */
  public String field() {
    return field;
  }

  /** The 400 body in the client API's error shape, naming the field. */
  public byte[] errorBody() {
    return errorBody.clone();
  }
}
