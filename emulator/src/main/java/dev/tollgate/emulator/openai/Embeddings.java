package dev.tollgate.emulator.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.emulator.DemoText;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * {@code POST /v1/embeddings}: one vector per input (deterministic, {@code dimensions} long, 8 by
 * default so the demo's answers stay small), as floats or, with {@code encoding_format: base64},
 * little-endian float32 bytes in base64 as OpenAI sends them; usage has only {@code prompt_tokens}
 * and {@code total_tokens}.
 */
final class Embeddings {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int DEFAULT_DIMENSIONS = 8;

  private Embeddings() {}

  /** Returns the refusal of a body this endpoint does not accept, if any. */
  static Optional<OpenAiError> check(ObjectNode body) {
    JsonNode input = body.get("input");
    if (input == null) {
      return Optional.of(OpenAiError.missingParameter("input"));
    }
    if (input.isArray() && input.isEmpty()) {
      return Optional.of(OpenAiError.emptyArray("input"));
    }
    JsonNode dimensions = body.get("dimensions");
    if (dimensions != null && dimensions.canConvertToInt() && dimensions.asInt() < 1) {
      return Optional.of(
          new OpenAiError(
              400,
              dimensions.asInt() + " is less than the minimum of 1 - 'dimensions'",
              "invalid_request_error",
              null,
              null,
              false));
    }
    return Optional.empty();
  }

  /** Answers an accepted call. */
  static void answer(Call call) throws IOException {
    JsonNode input = call.body().get("input");
    List<JsonNode> inputs = new ArrayList<>();
    if (input.isArray() && !input.get(0).isNumber()) {
      input.forEach(inputs::add);
    } else {
      inputs.add(input);
    }
    int dimensions = call.body().path("dimensions").asInt(DEFAULT_DIMENSIONS);
    boolean base64 = call.body().path("encoding_format").asText("float").equals("base64");
    ObjectNode answer = JSON.createObjectNode().put("object", "list");
    ArrayNode data = answer.putArray("data");
    int tokens = 0;
    for (int i = 0; i < inputs.size(); i++) {
      JsonNode item = inputs.get(i);
      String text = item.isArray() ? item.toString() : item.asText();
      tokens += item.isArray() ? item.size() : DemoText.tokens(text);
      ObjectNode entry = data.addObject().put("object", "embedding").put("index", i);
      float[] vector = vector(text, dimensions);
      if (base64) {
        ByteBuffer bytes = ByteBuffer.allocate(4 * dimensions).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : vector) {
          bytes.putFloat(v);
        }
        entry.put("embedding", Base64.getEncoder().encodeToString(bytes.array()));
      } else {
        ArrayNode values = entry.putArray("embedding");
        for (float v : vector) {
          values.add(v);
        }
      }
    }
    answer.put("model", call.model());
    answer.putObject("usage").put("prompt_tokens", tokens).put("total_tokens", tokens);
    call.sendJson(answer);
  }

  private static float[] vector(String text, int dimensions) {
    float[] vector = new float[dimensions];
    int hash = text.hashCode();
    for (int d = 0; d < dimensions; d++) {
      hash = hash * 31 + d;
      vector[d] = ((hash >>> 8) & 0xFFFF) / 65535f - 0.5f;
    }
    return vector;
  }
}
