package dev.tollgate.processor;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Errors in Anthropic's JSON shape, {@code {"type":"error","error":{"type","message"}}}, for the
 * calls of Anthropic's Messages API: the ones the processor answers itself, Envoy's own replies
 * (which Envoy writes in OpenAI's shape) and upstream errors of other shapes, so that the Anthropic
 * SDKs raise their typed errors with the gateway's message.
 */
final class AnthropicErrors {
  private static final int MAX_MESSAGE_CHARS = 2048;

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
    Found found = complete ? scan(body, length) : new Found();
    if (found.anthropicShape && found.errorObject) {
      return null;
    }
    String message = found.message;
    if (message == null || message.isBlank()) {
      message = "The model provider answered HTTP " + status + " without an error message.";
    }
    if (message.length() > MAX_MESSAGE_CHARS) {
      message = message.substring(0, MAX_MESSAGE_CHARS) + "...";
    }
    return body(typeForStatus(status), message);
  }

  private static final class Found {
    boolean anthropicShape;
    boolean errorObject;
    String message;
  }

  private static Found scan(byte[] body, int length) {
    Found found = new Found();
    try (JsonParser p = Json.LENIENT.createParser(body, 0, length)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return found;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if (name.equals("type") && value == JsonToken.VALUE_STRING) {
          found.anthropicShape = "error".equals(p.getText());
        } else if (name.equals("error") && value == JsonToken.START_OBJECT) {
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String inner = p.currentName();
            if (p.nextToken() == JsonToken.VALUE_STRING && inner.equals("message")) {
              found.message = p.getText();
              found.errorObject = true;
            } else {
              p.skipChildren();
            }
          }
        } else if ((name.equals("message") || name.equals("detail") || name.equals("error"))
            && value == JsonToken.VALUE_STRING
            && found.message == null) {
          found.message = p.getText();
        } else {
          p.skipChildren();
        }
      }
    } catch (IOException | RuntimeException e) {
      // Whatever the body says is only a better message; an unreadable body gets the generic one.
      return found;
    }
    return found;
  }
}
