package dev.tollgate.helm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** Reads multi-document YAML as Jackson trees, skipping empty documents. */
final class Manifests {
  private static final YAMLMapper YAML = new YAMLMapper();

  private Manifests() {}

  static List<JsonNode> parse(String yaml) {
    List<JsonNode> documents = new ArrayList<>();
    try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(yaml)) {
      while (it.hasNext()) {
        JsonNode node = it.next();
        if (node != null && !node.isNull() && !node.isMissingNode() && node.size() > 0) {
          documents.add(node);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return documents;
  }

  static String name(JsonNode object) {
    return object.path("kind").asText() + " " + object.path("metadata").path("name").asText();
  }
}
