package dev.tollgate.translate;

import static dev.tollgate.translate.OpenAiChatToAnthropic.refuse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * OpenAI {@code tools}, {@code tool_choice} and {@code parallel_tool_calls} in Anthropic's form.
 */
final class AnthropicTools {
  private AnthropicTools() {}

  static void translate(ObjectNode request, ObjectNode out) throws UntranslatableRequest {
    JsonNode tools = request.get("tools");
    if (tools != null && !tools.isNull()) {
      if (!tools.isArray()) {
        throw refuse("tools", "`tools` must be an array");
      }
      ArrayNode translated = out.putArray("tools");
      for (int i = 0; i < tools.size(); i++) {
        translated.add(tool(tools.get(i), "tools[" + i + "]"));
      }
    }
    JsonNode parallel = request.get("parallel_tool_calls");
    boolean disableParallel = parallel != null && parallel.isBoolean() && !parallel.asBoolean();
    JsonNode choice = request.get("tool_choice");
    ObjectNode translatedChoice = null;
    if (choice != null && !choice.isNull()) {
      translatedChoice = choice(choice);
    } else if (disableParallel) {
      translatedChoice = Json.object().put("type", "auto");
    }
    if (translatedChoice != null) {
      if (disableParallel && !"none".equals(translatedChoice.path("type").asText())) {
        translatedChoice.put("disable_parallel_tool_use", true);
      }
      out.set("tool_choice", translatedChoice);
    }
  }

  private static ObjectNode tool(JsonNode tool, String at) throws UntranslatableRequest {
    if (!"function".equals(tool.path("type").asText())) {
      throw refuse(at + ".type", "only tools of type `function` can be translated");
    }
    JsonNode function = tool.path("function");
    String name = function.path("name").asText("");
    if (name.isEmpty()) {
      throw refuse(at + ".function.name", "a tool needs a name");
    }
    if (function.path("strict").asBoolean(false)) {
      throw refuse(
          at + ".function.strict",
          "Anthropic does not guarantee that tool input matches the schema; `strict: true`"
              + " cannot be translated");
    }
    ObjectNode out = Json.object().put("name", name);
    JsonNode description = function.get("description");
    if (description != null && description.isTextual()) {
      out.put("description", description.asText());
    }
    JsonNode parameters = function.get("parameters");
    if (parameters == null || parameters.isNull()) {
      ObjectNode empty = out.putObject("input_schema").put("type", "object");
      empty.putObject("properties");
    } else if (parameters.isObject()) {
      out.set("input_schema", parameters);
    } else {
      throw refuse(at + ".function.parameters", "tool parameters must be a JSON Schema object");
    }
    return out;
  }

  private static ObjectNode choice(JsonNode choice) throws UntranslatableRequest {
    if (choice.isTextual()) {
      return switch (choice.asText()) {
        case "auto" -> Json.object().put("type", "auto");
        case "required" -> Json.object().put("type", "any");
        case "none" -> Json.object().put("type", "none");
        default ->
            throw refuse("tool_choice", "`tool_choice` `" + choice.asText() + "` is not known");
      };
    }
    String name = choice.path("function").path("name").asText("");
    if (!"function".equals(choice.path("type").asText()) || name.isEmpty()) {
      throw refuse(
          "tool_choice", "only `{\"type\":\"function\",\"function\":{\"name\":…}}` is translated");
    }
    return Json.object().put("type", "tool").put("name", name);
  }
}
