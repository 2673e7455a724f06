package dev.tollgate.processor;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * OpenAI's {@code GET /v1/models} and {@code GET /v1/models/{id}}, answered by the processor from
 * the models a caller may use, and the 404 for a model the caller may not use. Pure functions.
 */
final class ModelsEndpoint {
  private static final String LIST_PATH = "/v1/models";
  private static final String MODEL_PREFIX = "/v1/models/";

  private ModelsEndpoint() {}

  /** Whether a request without a body is one this endpoint answers. */
  static boolean serves(String method, String path) {
    return method.equals("GET") && (path.equals(LIST_PATH) || path.startsWith(MODEL_PREFIX));
  }

  /**
   * The body of the 200 answer to a request {@link #serves} accepts; throws the 404 for a model not
   * among {@code models}.
   *
   * @param models the model names the caller may request, sorted
   */
  static byte[] answer(String path, List<String> models) throws Rejection.Exception {
    if (path.equals(LIST_PATH)) {
      StringBuilder json = new StringBuilder("{\"object\":\"list\",\"data\":[");
      for (int i = 0; i < models.size(); i++) {
        json.append(i == 0 ? "" : ",").append(modelObject(models.get(i)));
      }
      return json.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    }
    String id = path.substring(MODEL_PREFIX.length());
    if (!models.contains(id)) {
      throw new Rejection.Exception(modelNotFound(id, models));
    }
    return modelObject(id).getBytes(StandardCharsets.UTF_8);
  }

  /** The 404 for a model the caller may not use, listing the ones it may. */
  static Rejection modelNotFound(String model, List<String> models) {
    String shown =
        models.size() <= 50
            ? String.join(", ", models)
            : String.join(", ", models.subList(0, 50)) + ", ...";
    String name = model.length() > 128 ? model.substring(0, 128) + "..." : model;
    return new Rejection(
        404,
        "invalid_request_error",
        "model_not_found",
        "The model '"
            + name
            + "' does not exist or you do not have access to it. Models you may use: "
            + (shown.isEmpty() ? "none" : shown)
            + ".",
        "model");
  }

  private static String modelObject(String id) {
    return "{\"id\":"
        + Json.quote(id)
        + ",\"object\":\"model\",\"created\":0,\"owned_by\":\"tollgate\"}";
  }
}
