package dev.tollgate.processor;

/**
 * An answer the processor gives itself instead of letting a request through, in OpenAI's error
 * shape.
 *
 * @param status the HTTP status
 * @param type OpenAI's error type
 * @param code OpenAI's error code, also the {@code error} field of the access log
 * @param message what the caller reads: what went wrong and how to fix it
 * @param param the request parameter at fault, or null
 * @param allow the {@code Allow} header of a 405, or null
 */
record Rejection(int status, String type, String code, String message, String param, String allow) {

  Rejection(int status, String type, String code, String message, String param) {
    this(status, type, code, message, param, null);
  }

  static Rejection of(int status, String code, String message) {
    return new Rejection(status, OpenAiErrors.typeForStatus(status), code, message, null);
  }

  /** This rejection with an {@code Allow} header. */
  Rejection withAllow(String methods) {
    return new Rejection(status, type, code, message, param, methods);
  }

  /** The body of the answer. */
  byte[] body() {
    return OpenAiErrors.body(message, type, code, param);
  }

  /** The exception form, for code that must unwind to the point where the answer is sent. */
  static final class Exception extends java.lang.Exception {
    private static final long serialVersionUID = 1L;
    private final transient Rejection rejection;

    Exception(Rejection rejection) {
      super(rejection.code(), null, false, false);
      this.rejection = rejection;
    }

    Rejection rejection() {
      return rejection;
    }
  }
}
