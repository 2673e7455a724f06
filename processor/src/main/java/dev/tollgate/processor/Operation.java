package dev.tollgate.processor;

/**
 * What a request asks a model for, from its path; named after OpenTelemetry's {@code
 * gen_ai.operation.name} values so that metrics carry them unchanged.
 */
enum Operation {
  CHAT("chat"),
  TEXT_COMPLETION("text_completion"),
  EMBEDDINGS("embeddings"),
  OTHER("other");

  private final String semconvName;

  Operation(String semconvName) {
    this.semconvName = semconvName;
  }

  /** The {@code gen_ai.operation.name} value. */
  String semconvName() {
    return semconvName;
  }

  /** The operation of a request path without its query string. */
  static Operation ofPath(String path) {
    return switch (path) {
      case "/v1/chat/completions", "/v1/messages", "/v1/responses" -> CHAT;
      case "/v1/completions" -> TEXT_COMPLETION;
      case "/v1/embeddings" -> EMBEDDINGS;
      default -> OTHER;
    };
  }
}
