package dev.tollgate.processor;

import dev.tollgate.model.MeteredApis;

/**
 * What a request asks a model for, from its path; named after OpenTelemetry's {@code
 * gen_ai.operation.name} values so that metrics carry them unchanged.
 */
enum Operation {
  CHAT("chat"),
  TEXT_COMPLETION("text_completion"),
  EMBEDDINGS("embeddings"),
  OTHER("other");

  private static final Operation[] VALUES = values();

  private final String semconvName;

  Operation(String semconvName) {
    this.semconvName = semconvName;
  }

  /** The {@code gen_ai.operation.name} value. */
  String semconvName() {
    return semconvName;
  }

  /** The operation of a request path without its query string, from {@link MeteredApis}. */
  static Operation ofPath(String path) {
    for (MeteredApis.Endpoint api : MeteredApis.PROVIDER_CALLS) {
      if (api.matchesPath(path)) {
        for (Operation operation : VALUES) {
          if (operation.semconvName.equals(api.operation())) {
            return operation;
          }
        }
      }
    }
    return OTHER;
  }
}
