package dev.tollgate.translate;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Error bodies in each API's shape, and the mapping of error types between them: Anthropic's {@code
 * {"type":"error","error":{"type","message"}}} and OpenAI's {@code
 * {"error":{"message","type","param","code"}}}.
 */
final class ErrorShapes {
  private static final int MAX_MESSAGE_CHARS = 2048;

  private ErrorShapes() {}

  /** OpenAI's error body. */
  static byte[] openAi(String message, String type, String param, String code) {
    ObjectNode error = Json.object();
    ObjectNode inner = error.putObject("error");
    inner.put("message", clip(message));
    inner.put("type", type);
    inner.put("param", param);
    inner.put("code", code);
    return Json.bytes(error);
  }

  /** Anthropic's error body. */
  static byte[] anthropic(String type, String message) {
    ObjectNode error = Json.object().put("type", "error");
    error.putObject("error").put("type", type).put("message", clip(message));
    return Json.bytes(error);
  }

  /** OpenAI's error type for an HTTP status. */
  static String openAiType(int status) {
    return switch (status) {
      case 401 -> "authentication_error";
      case 403 -> "permission_error";
      case 429 -> "rate_limit_exceeded";
      case 504 -> "timeout";
      default -> status >= 500 ? "server_error" : "invalid_request_error";
    };
  }

  /** Anthropic's error type for an HTTP status (its documented status table). */
  static String anthropicType(int status) {
    return switch (status) {
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

  /** OpenAI's type for an Anthropic error type; the status decides for types it does not know. */
  static String openAiTypeOfAnthropic(String anthropicType, int status) {
    return switch (anthropicType == null ? "" : anthropicType) {
      case "invalid_request_error", "not_found_error", "request_too_large" ->
          "invalid_request_error";
      case "authentication_error" -> "authentication_error";
      case "permission_error" -> "permission_error";
      case "billing_error" -> "insufficient_quota";
      case "rate_limit_error" -> "rate_limit_exceeded";
      case "timeout_error" -> "timeout";
      case "api_error", "overloaded_error" -> "server_error";
      default -> openAiType(status);
    };
  }

  private static String clip(String message) {
    return message.length() > MAX_MESSAGE_CHARS
        ? message.substring(0, MAX_MESSAGE_CHARS) + "..."
        : message;
  }
}
