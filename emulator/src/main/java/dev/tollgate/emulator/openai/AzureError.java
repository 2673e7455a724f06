package dev.tollgate.emulator.openai;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.emulator.PythonJson;

/**
 * An error as Azure OpenAI's front door writes it, compact: {@code {"error":{"code","message"}}}.
 * Errors from the model itself (body checks) are OpenAI's ({@link OpenAiError}).
 *
 * @param status the HTTP status
 * @param body the exact body
 */
public record AzureError(int status, String body) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * 404 for a missing {@code api-version} or a path Azure does not have, byte for byte as Azure
   * sends it (with its one space after {@code "message":}).
   */
  public static AzureError resourceNotFound() {
    return new AzureError(
        404, "{\"error\":{\"code\":\"404\",\"message\": \"Resource not found\"}}");
  }

  /** 400 for an {@code api-version} Azure does not have. */
  public static AzureError unsupportedApiVersion() {
    return of(400, "BadRequest", "API version not supported");
  }

  /** 401 for a missing or wrong {@code api-key}. */
  public static AzureError accessDenied() {
    return of(
        401,
        "401",
        "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide"
            + " a valid key for an active subscription and use a correct regional API endpoint for"
            + " your resource.");
  }

  /** 404 for a deployment the resource does not have. */
  public static AzureError deploymentNotFound() {
    return of(
        404,
        "DeploymentNotFound",
        "The API deployment for this resource does not exist. If you created the deployment within"
            + " the last 5 minutes, please wait a moment and try again.");
  }

  /** 429 for a deployment over its rate limit. */
  public static AzureError rateLimited(String apiVersion) {
    return of(
        429,
        "429",
        "Requests to the ChatCompletions_Create Operation under Azure OpenAI API version "
            + apiVersion
            + " have exceeded token rate limit of your current OpenAI S0 pricing tier. Please"
            + " retry after 1 second. Please go here: https://aka.ms/oai/quotaincrease if you"
            + " would like to further increase the default rate limit.");
  }

  /** 503 for a deployment that is down. */
  public static AzureError unavailable() {
    return of(
        503,
        "ServiceUnavailable",
        "The service is temporarily unable to process your request. Please try again later.");
  }

  private static AzureError of(int status, String code, String message) {
    var body = JSON.createObjectNode();
    body.putObject("error").put("code", code).put("message", message);
    return new AzureError(status, PythonJson.compact(body));
  }
}
