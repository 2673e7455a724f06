package dev.tollgate.processor;

import dev.tollgate.model.MeteredApis;
import java.util.Optional;

/**
 * The answer at request headers to a call Tollgate does not serve: the same 404, 405 or 400 that
 * the routes after the models' give (built from the same {@link MeteredApis} table), given before
 * Envoy sends the body, so that the processor never buffers or tokenizes a body no route takes.
 */
final class UnservedCalls {
  private UnservedCalls() {}

  /** The refusal of a request, or null when {@link MeteredApis} serves its (method, path). */
  static Rejection refusal(RequestHead head) {
    Optional<MeteredApis.Endpoint> served = MeteredApis.of(head.method(), head.path());
    if (served.isPresent()) {
      MeteredApis.Endpoint endpoint = served.get();
      if (endpoint.servedBy() == MeteredApis.ServedBy.GATEWAY && !head.headersOnly()) {
        return Rejection.of(400, "unexpected_body", endpoint.noBodyMessage());
      }
      return null;
    }
    String allow = MeteredApis.allowOf(head.path());
    if (allow.isEmpty()) {
      return Rejection.of(404, "unknown_url", MeteredApis.UNKNOWN_PATH_MESSAGE);
    }
    return Rejection.of(405, "method_not_allowed", MeteredApis.methodNotAllowedMessage(allow))
        .withAllow(allow);
  }
}
