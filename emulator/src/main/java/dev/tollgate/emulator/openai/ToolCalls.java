package dev.tollgate.emulator.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.emulator.PythonJson;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * When and how the chat emulator calls a tool instead of answering text. A model decides that on
 * its own; the emulator is deterministic instead: it calls a tool only when the request makes it
 * ({@code tool_choice: "required"} calls the first tool, {@code {"type":"function","function":
 * {"name":…}}} that one), and answers text otherwise ({@code auto}, {@code none}, no {@code
 * tool_choice}). The arguments are a JSON object with a value for every required property of the
 * tool's {@code parameters} schema: its first {@code enum} value, else {@code "demo"} for a string,
 * 1 for a number, {@code true}, {@code []} or {@code {}}.
 */
final class ToolCalls {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ToolCalls() {}

  /**
   * One call the answer makes.
   *
   * @param id the call's id, {@code call_…}
   * @param name the function's name
   * @param arguments the arguments, as the JSON text OpenAI sends
   */
  record ToolCall(String id, String name, String arguments) {}

  /**
   * Returns the refusal of a {@code tool_choice} the request cannot have: one without {@code
   * tools}, or naming a function not among them.
   */
  static Optional<OpenAiError> check(ObjectNode body) {
    JsonNode choice = body.get("tool_choice");
    if (choice == null || choice.isNull()) {
      return Optional.empty();
    }
    if (!body.path("tools").isArray() || body.path("tools").isEmpty()) {
      return Optional.of(
          OpenAiError.invalidValue(
              "tool_choice",
              "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are"
                  + " specified."));
    }
    if (choice.isObject()) {
      String name = choice.path("function").path("name").asText("");
      if (tool(body, name).isEmpty()) {
        return Optional.of(
            OpenAiError.invalidValue(
                "tool_choice",
                "Invalid value for 'tool_choice': function '" + name + "' not found in 'tools'."));
      }
    }
    return Optional.empty();
  }

  /** Returns the call this request makes the model answer with, if it makes it call one. */
  static Optional<ToolCall> of(Call call) {
    ObjectNode body = call.body();
    JsonNode choice = body.get("tool_choice");
    Optional<JsonNode> tool = Optional.empty();
    if (choice != null && choice.isTextual() && choice.asText().equals("required")) {
      tool = Optional.of(body.path("tools").get(0));
    } else if (choice != null && choice.isObject()) {
      tool = tool(body, choice.path("function").path("name").asText(""));
    }
    return tool.map(
        t ->
            new ToolCall(
                call.id("call_"),
                t.path("function").path("name").asText(),
                PythonJson.compact(arguments(t.path("function").path("parameters")))));
  }

  private static Optional<JsonNode> tool(ObjectNode body, String name) {
    for (JsonNode tool : body.path("tools")) {
      if (tool.path("function").path("name").asText("").equals(name)) {
        return Optional.of(tool);
      }
    }
    return Optional.empty();
  }

  private static ObjectNode arguments(JsonNode schema) {
    ObjectNode arguments = JSON.createObjectNode();
    JsonNode properties = schema.path("properties");
    for (JsonNode required : schema.path("required")) {
      String name = required.asText();
      arguments.set(name, example(properties.path(name)));
    }
    return arguments;
  }

  private static JsonNode example(JsonNode property) {
    JsonNode values = property.get("enum");
    if (values != null && values.isArray() && !values.isEmpty()) {
      return values.get(0);
    }
    return switch (property.path("type").asText("string")) {
      case "number", "integer" -> JSON.getNodeFactory().numberNode(1);
      case "boolean" -> JSON.getNodeFactory().booleanNode(true);
      case "array" -> JSON.createArrayNode();
      case "object" -> arguments(property);
      default -> JSON.getNodeFactory().textNode("demo");
    };
  }

  /**
   * Writes the calls of a JSON answer's message: {@code [{id, type, function{name, arguments}}]}.
   */
  static void write(ArrayNode calls, ToolCall call) {
    ObjectNode entry = calls.addObject().put("id", call.id()).put("type", "function");
    entry.putObject("function").put("name", call.name()).put("arguments", call.arguments());
  }

  /** The pieces a stream sends a call's arguments in: four characters each, the last shorter. */
  static List<String> argumentPieces(String arguments) {
    List<String> pieces = new ArrayList<>();
    for (int at = 0; at < arguments.length(); at += 4) {
      pieces.add(arguments.substring(at, Math.min(arguments.length(), at + 4)));
    }
    return pieces;
  }
}
