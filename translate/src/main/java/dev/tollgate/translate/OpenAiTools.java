package dev.tollgate.translate;

import static dev.tollgate.translate.AnthropicToOpenAiChat.refuse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Anthropic {@code tools} and {@code tool_choice} in OpenAI's form. */
final class OpenAiTools {
  private OpenAiTools() {}

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
    JsonNode choice = request.get("tool_choice");
    if (choice == null || choice.isNull()) {
      return;
    }
    String type = choice.path("type").asText("");
    switch (type) {
      case "auto" -> out.put("tool_choice", "auto");
      case "any" -> out.put("tool_choice", "required");
      case "none" -> out.put("tool_choice", "none");
      case "tool" -> {
        ObjectNode named = out.putObject("tool_choice").put("type", "function");
        named.putObject("function").put("name", choice.path("name").asText());
      }
      default -> throw refuse("tool_choice.type", "`" + type + "` is not a known tool choice");
    }
    if (choice.path("disable_parallel_tool_use").asBoolean(false)) {
      out.put("parallel_tool_calls", false);
    }
  }

  private static ObjectNode tool(JsonNode tool, String at) throws UntranslatableRequest {
    String type = tool.path("type").asText("custom");
    if (!"custom".equals(type)) {
      throw refuse(at + ".type", "Anthropic's server tool `" + type + "` does not exist at OpenAI");
    }
    String name = tool.path("name").asText("");
    if (name.isEmpty()) {
      throw refuse(at + ".name", "a tool needs a name");
    }
    JsonNode schema = tool.get("input_schema");
    if (schema == null || !schema.isObject()) {
      throw refuse(at + ".input_schema", "a tool needs its `input_schema` object");
    }
    ObjectNode out = Json.object().put("type", "function");
    ObjectNode function = out.putObject("function").put("name", name);
    JsonNode description = tool.get("description");
    if (description != null && description.isTextual()) {
      function.put("description", description.asText());
    }
    function.set("parameters", schema);
    return out;
  }
}
