package dev.tollgate.emulator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Iterator;
import java.util.Map;

/**
 * JSON written the way the providers' servers write it: compact ({@code ,} and {@code :} without
 * spaces, as in their event streams) or indented like Python's {@code json.dumps(indent=n)} (their
 * JSON bodies), keys in insertion order, non-ASCII characters as they are.
 */
public final class PythonJson {
  private static final ObjectMapper JSON = new ObjectMapper();

  private PythonJson() {}

  /** Returns the compact form. */
  public static String compact(JsonNode node) {
    try {
      return JSON.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Returns the form indented by {@code indent} spaces per level, with no trailing newline. */
  public static String indented(JsonNode node, int indent) {
    StringBuilder out = new StringBuilder();
    write(node, indent, 0, out);
    return out.toString();
  }

  private static void write(JsonNode node, int indent, int depth, StringBuilder out) {
    if (node.isObject() && !node.isEmpty()) {
      out.append("{\n");
      Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> field = fields.next();
        pad(indent, depth + 1, out);
        out.append(compact(JSON.getNodeFactory().textNode(field.getKey()))).append(": ");
        write(field.getValue(), indent, depth + 1, out);
        out.append(fields.hasNext() ? ",\n" : "\n");
      }
      pad(indent, depth, out);
      out.append('}');
    } else if (node.isArray() && !node.isEmpty()) {
      out.append("[\n");
      for (int i = 0; i < node.size(); i++) {
        pad(indent, depth + 1, out);
        write(node.get(i), indent, depth + 1, out);
        out.append(i + 1 < node.size() ? ",\n" : "\n");
      }
      pad(indent, depth, out);
      out.append(']');
    } else {
      out.append(compact(node));
    }
  }

  private static void pad(int indent, int depth, StringBuilder out) {
    out.append(" ".repeat(indent * depth));
  }
}
