package dev.tollgate.processor;

import java.nio.charset.StandardCharsets;

/**
 * Errors in Anthropic's JSON shape, {@code {"type":"error","error":{"type","message"}}}, for the
 * calls of Anthropic's Messages API: the ones the processor answers itself, Envoy's own replies
 * (which Envoy writes in OpenAI's shape) and upstream errors of other shapes, so that the Anthropic
 * SDKs raise their typed errors with the gateway's message.
 */
final class AnthropicErrors {
  private AnthropicErrors() {}

  /** The body of an error. */
  static byte[] body(String type, String message) {
    return ("{\"type\":\"error\",\"error\":{\"type\":"
            + Json.quote(type)
            + ",\"message\":"
            + Json.quote(message)
            + "}}")
        .getBytes(StandardCharsets.UTF_8);
  }

  /** Anthropic's error type for an HTTP status, as its API reference lists them. */
  static String typeForStatus(int status) {
    return switch (status) {
      case 400, 405, 409, 415, 422, 431 -> "invalid_request_error";
      case 401 -> "authentication_error";
      case 402 -> "billing_error";
      case 403 -> "permission_error";
      case 404 -> "not_found_error";
      case 413 -> "request_too_large";
      case 429 -> "rate_limit_error";
      case 504 -> "timeout_error";
      case 529 -> "overloaded_error";
      default -> status >= 500 ? "api_error" : "invalid_request_error";
    };
  }

  /**
   * Rewrites an error body into Anthropic's shape.
   *
   * @param status the response status
   * @param body the body bytes, possibly cut at {@code length}
   * @param length how many bytes of {@code body} are valid
   * @param complete whether the body was read whole
   * @return null when the body already has Anthropic's shape and can pass unchanged, else the
   *     rewritten body, keeping the message of an OpenAI-shaped or other JSON error
   */
  static byte[] normalize(int status, byte[] body, int length, boolean complete) {
    OpenAiErrors.Said said = OpenAiErrors.said(status, body, length, complete);
    return said.anthropicShape() ? null : body(typeForStatus(status), said.message());
  }
}
