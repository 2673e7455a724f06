package dev.tollgate.processor;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Errors in OpenAI's JSON shape, {@code {"error":{"message","type","param","code"}}}: the ones the
 * processor answers itself, and upstream errors of other shapes rewritten into it so that a client
 * library sees one shape whoever failed.
 */
final class OpenAiErrors {
  private static final int MAX_MESSAGE_CHARS = 2048;

  private OpenAiErrors() {}

  /** The body of an error; {@code code} and {@code param} may be null. */
  static byte[] body(String message, String type, String code, String param) {
    String json =
        "{\"error\":{\"message\":"
            + Json.quote(message)
            + ",\"type\":"
            + Json.quote(type)
            + ",\"param\":"
            + (param == null ? "null" : Json.quote(param))
            + ",\"code\":"
            + (code == null ? "null" : Json.quote(code))
            + "}}";
    return json.getBytes(StandardCharsets.UTF_8);
  }

  /** OpenAI's error type for an HTTP status. */
  static String typeForStatus(int status) {
    return switch (status) {
      case 401 -> "authentication_error";
      case 403 -> "permission_error";
      case 404, 400, 409, 413, 415, 422 -> "invalid_request_error";
      case 429 -> "rate_limit_exceeded";
      case 504 -> "timeout";
      default -> status >= 500 ? "server_error" : "invalid_request_error";
    };
  }

  /**
   * Rewrites an upstream error body into OpenAI's shape.
   *
   * @param status the upstream status
   * @param body the body bytes, possibly cut at {@code length}
   * @param length how many bytes of {@code body} are valid
   * @param complete whether the body was read whole (false when it exceeded the limit)
   * @return null when the body already has OpenAI's shape (an {@code error} object with a string
   *     {@code message}) and can pass unchanged, else the rewritten body
   */
  static byte[] normalize(int status, byte[] body, int length, boolean complete) {
    Found found = complete ? scan(body, length) : null;
    if (found != null && found.openAiShape) {
      return null;
    }
    String message = messageOf(status, found);
    String type = found != null && found.type != null ? found.type : typeForStatus(status);
    String code = found != null && found.code != null ? found.code : "upstream_error";
    return body(message, type, code, found == null ? null : found.param);
  }

  /**
   * What an error body says, for rewriting it into another API's shape.
   *
   * @param message its message (bounded), or a generic one naming the status
   * @param anthropicShape whether it already has Anthropic's shape ({@code "type":"error"} beside
   *     an {@code error} object with a string {@code message})
   */
  record Said(String message, boolean anthropicShape) {}

  /** Reads an error body as {@link #normalize} does, for {@link AnthropicErrors}. */
  static Said said(int status, byte[] body, int length, boolean complete) {
    Found found = complete ? scan(body, length) : null;
    return new Said(
        messageOf(status, found), found != null && found.errorTypeRoot && found.openAiShape);
  }

  private static String messageOf(int status, Found found) {
    String message = found == null ? null : found.message;
    if (message == null || message.isBlank()) {
      message =
          "The model provider answered HTTP "
              + status
              + " without an error message Tollgate could read.";
    }
    if (message.length() > MAX_MESSAGE_CHARS) {
      message = message.substring(0, MAX_MESSAGE_CHARS) + "...";
    }
    return message;
  }

  /** What an upstream error body says, read with a streaming parser. */
  private static final class Found {
    boolean errorTypeRoot;
    boolean openAiShape;
    String message;
    String type;
    String code;
    String param;
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
        switch (name) {
          case "error" -> {
            if (value == JsonToken.START_OBJECT) {
              readErrorObject(p, found);
            } else if (value == JsonToken.VALUE_STRING) {
              found.message = p.getText();
            } else {
              p.skipChildren();
            }
          }
          case "message", "detail" -> {
            if (value == JsonToken.VALUE_STRING && found.message == null) {
              found.message = p.getText();
            } else {
              p.skipChildren();
            }
          }
          case "type" -> {
            String type = scalar(p, value);
            if (type != null && !"error".equals(type)) {
              found.type = type;
            }
            found.errorTypeRoot |= "error".equals(type);
          }
          case "code" -> found.code = scalar(p, value);
          default -> p.skipChildren();
        }
      }
    } catch (IOException | RuntimeException e) {
      // Whatever the body says is only a better message; an unreadable body gets the generic one.
      return found.message == null ? null : found;
    }
    return found;
  }

  private static void readErrorObject(JsonParser p, Found found) throws IOException {
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken value = p.nextToken();
      switch (name) {
        case "message" -> {
          if (value == JsonToken.VALUE_STRING) {
            found.message = p.getText();
            found.openAiShape = true;
          } else {
            p.skipChildren();
          }
        }
        case "type" -> found.type = scalar(p, value);
        case "code" -> found.code = scalar(p, value);
        case "param" -> found.param = scalar(p, value);
        default -> p.skipChildren();
      }
    }
  }

  private static String scalar(JsonParser p, JsonToken value) throws IOException {
    if (value == JsonToken.VALUE_STRING || value.isNumeric()) {
      return p.getText();
    }
    p.skipChildren();
    return null;
  }
}
