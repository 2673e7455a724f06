package dev.tollgate.translate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Bad input never crashes a translator: every golden input with each of its values replaced by each
 * other JSON type is either translated to valid JSON or refused with {@link UntranslatableRequest};
 * mutated responses always give a client body that is JSON; random bytes fed to the stream
 * translators give output, never an exception.
 */
class MalformedInputTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final List<JsonNode> REPLACEMENTS =
      List.of(
          NODES.nullNode(),
          NODES.numberNode(-1),
          NODES.numberNode(1.5e300),
          NODES.textNode(""),
          NODES.booleanNode(true),
          NODES.arrayNode(),
          NODES.objectNode());

  @Test
  void mutatedRequestsAreTranslatedOrRefusedNeverCrash() throws Exception {
    for (Map.Entry<String, RequestTranslator> pair : TranslationGoldenTest.PAIRS.entrySet()) {
      RequestOptions options = TranslationGoldenTest.options(pair.getKey());
      for (JsonNode input : inputs(pair.getKey(), "request")) {
        for (JsonNode mutant : mutants(input)) {
          byte[] body = JSON.writeValueAsBytes(mutant);
          try {
            Translation translation = pair.getValue().translate(body, options);
            assertThat(JSON.readTree(translation.body()).isObject()).isTrue();
          } catch (UntranslatableRequest refused) {
            assertThat(JSON.readTree(refused.errorBody()).isObject()).isTrue();
          }
        }
      }
    }
  }

  @Test
  void mutatedResponsesGiveJsonBodies() throws Exception {
    for (Map.Entry<String, RequestTranslator> pair : TranslationGoldenTest.PAIRS.entrySet()) {
      Translation translation =
          pair.getValue()
              .translate(
                  defaultRequest(pair.getKey()), TranslationGoldenTest.options(pair.getKey()));
      for (JsonNode input : inputs(pair.getKey(), "response")) {
        JsonNode body = input.get("body");
        for (JsonNode mutant : mutants(body)) {
          for (int status : new int[] {200, 400, 429, 500}) {
            TranslatedResponse response =
                translation.response(status, JSON.writeValueAsBytes(mutant));
            assertThat(JSON.readTree(response.body()).isObject()).isTrue();
          }
        }
      }
    }
  }

  @Test
  void randomBytesInAStreamNeverThrow() throws Exception {
    Random random = new Random(42);
    byte[] alphabet = "event: data:{}[]\"\n\r:message_stop content_block_delta 0,".getBytes();
    for (Map.Entry<String, RequestTranslator> pair : TranslationGoldenTest.PAIRS.entrySet()) {
      Translation translation =
          pair.getValue()
              .translate(
                  defaultRequest(pair.getKey()), TranslationGoldenTest.options(pair.getKey()));
      for (int round = 0; round < 200; round++) {
        StreamTranslator stream = translation.stream();
        for (int chunk = 0; chunk < 10; chunk++) {
          byte[] bytes = new byte[random.nextInt(64)];
          for (int i = 0; i < bytes.length; i++) {
            bytes[i] =
                random.nextBoolean()
                    ? alphabet[random.nextInt(alphabet.length)]
                    : (byte) random.nextInt(256);
          }
          assertThat(stream.next(bytes, chunk == 9)).isNotNull();
        }
        assertThat(stream.usage()).isNotNull();
      }
    }
  }

  private static byte[] defaultRequest(String pair) {
    String body =
        pair.startsWith("anthropic-")
            ? "{\"model\":\"m\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"
            : "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
    return body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  private static List<JsonNode> inputs(String pair, String kind) throws IOException {
    Path dir = TranslationGoldenTest.DIR.resolve(pair).resolve(kind);
    List<JsonNode> inputs = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".in.json")).sorted().toList()) {
        try {
          inputs.add(JSON.readTree(file.toFile()));
        } catch (IOException notJson) {
          // The not-JSON cases test the parser; there is no tree to mutate.
        }
      }
    }
    return inputs;
  }

  /** Copies of the tree, each with one value (at any depth) replaced by another type. */
  private static List<JsonNode> mutants(JsonNode root) {
    List<JsonNode> mutants = new ArrayList<>();
    int[] count = {0};
    visit(root, node -> count[0]++);
    for (int target = 1; target < count[0]; target++) {
      for (JsonNode replacement : REPLACEMENTS) {
        JsonNode copy = root.deepCopy();
        replace(copy, target, replacement, new int[] {0});
        mutants.add(copy);
      }
    }
    return mutants;
  }

  private static void visit(JsonNode node, Consumer<JsonNode> action) {
    action.accept(node);
    node.forEach(child -> visit(child, action));
  }

  private static boolean replace(JsonNode node, int target, JsonNode with, int[] seen) {
    seen[0]++;
    if (node instanceof ObjectNode object) {
      for (String name : new ArrayList<>(iterable(object))) {
        if (seen[0] == target) {
          object.set(name, with);
          return true;
        }
        if (replace(object.get(name), target, with, seen)) {
          return true;
        }
      }
    } else if (node instanceof ArrayNode array) {
      for (int i = 0; i < array.size(); i++) {
        if (seen[0] == target) {
          array.set(i, with);
          return true;
        }
        if (replace(array.get(i), target, with, seen)) {
          return true;
        }
      }
    }
    return false;
  }

  private static List<String> iterable(ObjectNode object) {
    List<String> names = new ArrayList<>();
    object.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
