package dev.tollgate.emulator.openai;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.emulator.PythonJson;

/**
 * An error as the OpenAI API writes it: {@code {"error":{"message","type","param","code"}}}. Two
 * layers of OpenAI answer errors, and they format differently (recorded in envoyproxy/ai-gateway's
 * cassettes): the front layer (unknown model, key, URL, unparsable JSON) indents by four spaces and
 * ends with a newline, with {@code content-type: application/json; charset=utf-8}; the parameter
 * validation of an endpoint indents by two and has no newline, with {@code application/json}.
 *
 * @param status the HTTP status
 * @param message the human-readable message
 * @param type the error type, e.g. {@code invalid_request_error}
 * @param param the offending parameter, or null
 * @param code the machine-readable code, or null
 * @param frontLayer whether the front layer answers (four-space form) or the endpoint (two-space)
 */
public record OpenAiError(
    int status, String message, String type, String param, String code, boolean frontLayer) {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String INVALID_REQUEST = "invalid_request_error";

  /** Returns the body bytes, as text. */
  public String body() {
    ObjectNode body = JSON.createObjectNode();
    ObjectNode error = body.putObject("error").put("message", message).put("type", type);
    error.put("param", param).put("code", code);
    return frontLayer ? PythonJson.indented(body, 4) + "\n" : PythonJson.indented(body, 2);
  }

  /** Returns the content type the error is sent with. */
  public String contentType() {
    return frontLayer ? "application/json; charset=utf-8" : "application/json";
  }

  /** 404 for a model that does not exist (or the key may not use). */
  public static OpenAiError modelNotFound(String model) {
    return new OpenAiError(
        404,
        "The model `" + model + "` does not exist or you do not have access to it.",
        INVALID_REQUEST,
        null,
        "model_not_found",
        true);
  }

  /** 401 for a request without a Bearer key. */
  public static OpenAiError missingKey() {
    return new OpenAiError(
        401,
        "You didn't provide an API key. You need to provide your API key in an Authorization header"
            + " using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field"
            + " (with blank username) if you're accessing the API from your browser and are"
            + " prompted for a username. You can obtain an API key from"
            + " https://platform.openai.com/account/api-keys.",
        INVALID_REQUEST,
        null,
        null,
        true);
  }

  /** 401 for a wrong key, shown redacted as OpenAI does (first three and last four characters). */
  public static OpenAiError incorrectKey(String key) {
    return new OpenAiError(
        401,
        "Incorrect API key provided: "
            + redact(key)
            + ". You can find your API key at https://platform.openai.com/account/api-keys.",
        INVALID_REQUEST,
        null,
        "invalid_api_key",
        true);
  }

  /** 404 for a path the API does not have. */
  public static OpenAiError invalidUrl(String method, String path) {
    return new OpenAiError(
        404, "Invalid URL (" + method + " " + path + ")", INVALID_REQUEST, null, null, true);
  }

  /** 405 for a known path called with the wrong method. */
  public static OpenAiError invalidMethod(String method, String path) {
    return new OpenAiError(
        405,
        "Invalid method for URL (" + method + " " + path + ")",
        INVALID_REQUEST,
        null,
        null,
        true);
  }

  /** 400 for a body that is not JSON. */
  public static OpenAiError unparsableJson() {
    return new OpenAiError(
        400,
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't"
            + " using your HTTP library correctly. The OpenAI API expects a JSON payload, but what"
            + " was sent was not valid JSON. If you have trouble figuring out how to fix this,"
            + " please contact us through our help center at help.openai.com.)",
        INVALID_REQUEST,
        null,
        null,
        true);
  }

  /** 400 for a body without {@code model}. */
  public static OpenAiError missingModel() {
    return new OpenAiError(
        400, "you must provide a model parameter", INVALID_REQUEST, null, null, true);
  }

  /** 400 for a missing required parameter. */
  public static OpenAiError missingParameter(String param) {
    return new OpenAiError(
        400,
        "Missing required parameter: '" + param + "'.",
        INVALID_REQUEST,
        param,
        "missing_required_parameter",
        false);
  }

  /** 400 for a parameter whose value the endpoint does not accept, in the endpoint's words. */
  public static OpenAiError invalidValue(String param, String message) {
    return new OpenAiError(400, message, INVALID_REQUEST, param, null, false);
  }

  /** 400 for an empty array where at least one element is required. */
  public static OpenAiError emptyArray(String param) {
    return new OpenAiError(
        400,
        "Invalid '"
            + param
            + "': empty array. Expected an array with minimum length 1, but got an empty array"
            + " instead.",
        INVALID_REQUEST,
        param,
        "empty_array",
        false);
  }

  /** 400 for a parameter of the wrong JSON type. */
  public static OpenAiError invalidType(String param, String expected, String got) {
    return new OpenAiError(
        400,
        "Invalid type for '" + param + "': expected " + expected + ", but got " + got + " instead.",
        INVALID_REQUEST,
        param,
        "invalid_type",
        false);
  }

  /** 400 for {@code stream_options} on a request that does not stream. */
  public static OpenAiError streamOptionsWithoutStream() {
    return new OpenAiError(
        400,
        "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
        INVALID_REQUEST,
        "stream_options",
        null,
        false);
  }

  /** 404 for a model of another kind on the chat endpoint. */
  public static OpenAiError notAChatModel() {
    return new OpenAiError(
        404,
        "This is not a chat model and thus not supported in the v1/chat/completions endpoint. Did"
            + " you mean to use v1/completions?",
        INVALID_REQUEST,
        "model",
        null,
        false);
  }

  /** 404 for a chat model on the legacy completions endpoint. */
  public static OpenAiError chatModelOnCompletions() {
    return new OpenAiError(
        404,
        "This is a chat model and not supported in the v1/completions endpoint. Did you mean to"
            + " use v1/chat/completions?",
        INVALID_REQUEST,
        "model",
        null,
        false);
  }

  /** 400 for a model that cannot embed. */
  public static OpenAiError notAnEmbeddingModel(String model) {
    return new OpenAiError(
        400,
        "The model `" + model + "` does not support embeddings.",
        INVALID_REQUEST,
        "model",
        null,
        false);
  }

  /** 400 from the Responses API for a model that does not exist. */
  public static OpenAiError responsesModelNotFound(String model) {
    return new OpenAiError(
        400,
        "The requested model '" + model + "' does not exist.",
        INVALID_REQUEST,
        "model",
        "model_not_found",
        false);
  }

  /** 503 for a model that is down (the demo's {@code -unavailable} models). */
  public static OpenAiError unavailable() {
    return new OpenAiError(
        503, "The server is overloaded or not ready yet.", "server_error", null, null, true);
  }

  /** 429 for a model over its rate limit (the demo's {@code -ratelimited} models). */
  public static OpenAiError rateLimited(String model) {
    return new OpenAiError(
        429,
        "Rate limit reached for "
            + model
            + " in organization org-tollgate-demo on requests per min (RPM): Limit 3, Used 3,"
            + " Requested 1. Please try again in 1s.",
        "requests",
        null,
        "rate_limit_exceeded",
        true);
  }

  /** An error of any status, as the demo's {@code x-demo-status} asks. */
  public static OpenAiError forced(int status) {
    if (status == 429) {
      return rateLimited("this model");
    }
    if (status >= 500) {
      return new OpenAiError(
          status,
          "The server had an error while processing your request. Sorry about that!",
          "server_error",
          null,
          null,
          true);
    }
    return new OpenAiError(
        status, "Forced status " + status + " from the demo.", INVALID_REQUEST, null, null, true);
  }

  /** Shows a key as OpenAI does in its 401: its start, asterisks, its last four characters. */
  static String redact(String key) {
    if (key.length() <= 8) {
      return "*".repeat(key.length());
    }
    return key.substring(0, 3) + "*".repeat(key.length() - 7) + key.substring(key.length() - 4);
  }
}
