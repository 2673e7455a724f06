package dev.tollgate.translate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.Iterator;
import java.util.Set;

/** Reading a client request body, with refusals in the client API's shape. */
final class RequestChecks {
  /** Makes a refusal in one client API's error shape. */
  @FunctionalInterface
  interface Refusal {
    UntranslatableRequest of(String field, String reason);
  }

  /** Adds one translated element of an array field. */
  @FunctionalInterface
  interface Element {
    JsonNode translate(JsonNode element, String at) throws UntranslatableRequest;
  }

  private RequestChecks() {}

  /** The body as a JSON object; not JSON, a repeated key or another JSON value is refused. */
  static ObjectNode object(byte[] body, Refusal refuse) throws UntranslatableRequest {
    try {
      JsonNode node = Json.STRICT.readTree(body);
      if (node instanceof ObjectNode object) {
        return object;
      }
    } catch (IOException | RuntimeException e) {
      String reason =
          String.valueOf(e.getMessage()).startsWith("Duplicate field")
              ? "the request body repeats a field; the gateway and the backend could read"
                  + " different values"
              : "the request body is not valid JSON";
      throw refuse.of(null, reason);
    }
    throw refuse.of(null, "the request body must be a JSON object");
  }

  /** Refuses the first top-level field that is not known: unknown means not translatable. */
  static void onlyKnown(ObjectNode request, Set<String> known, String api, Refusal refuse)
      throws UntranslatableRequest {
    for (Iterator<String> names = request.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!known.contains(name)) {
        throw refuse.of(name, api + " has no equivalent of `" + name + "`");
      }
    }
  }

  /** Copies a number field within a range; absent or null stays absent. */
  static void number(ObjectNode request, String field, double max, ObjectNode out, Refusal refuse)
      throws UntranslatableRequest {
    JsonNode value = request.get(field);
    if (value == null || value.isNull()) {
      return;
    }
    if (!value.isNumber()) {
      throw refuse.of(field, "`" + field + "` must be a number");
    }
    double d = value.asDouble();
    if (d < 0 || d > max) {
      throw refuse.of(
          field,
          "the backend accepts `" + field + "` from 0 to " + plain(max) + ", not " + plain(d));
    }
    out.set(field, value);
  }

  private static String plain(double value) {
    return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
  }

  /** Translates each element of an array field into {@code out[field]}; absent stays absent. */
  static void array(
      ObjectNode request, String field, ObjectNode out, Element element, Refusal refuse)
      throws UntranslatableRequest {
    JsonNode values = request.get(field);
    if (values == null || values.isNull()) {
      return;
    }
    if (!values.isArray()) {
      throw refuse.of(field, "`" + field + "` must be an array");
    }
    ArrayNode translated = out.putArray(field);
    for (int i = 0; i < values.size(); i++) {
      translated.add(element.translate(values.get(i), field + "[" + i + "]"));
    }
  }
}
