package dev.tollgate.model.source;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.tollgate.api.v1alpha1.AIRoute;
import dev.tollgate.api.v1alpha1.Api;
import dev.tollgate.api.v1alpha1.ModelProvider;
import dev.tollgate.api.v1alpha1.TokenQuota;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Secret;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Reads Kubernetes manifests (multi-document YAML) into a {@link ResourceSnapshot}, strictly:
 * unknown fields, wrong types and unsupported kinds are errors that name the document and the
 * field. A bad document is left out; every other document is still read.
 *
 * <p>Stateless and thread-safe.
 */
public final class ManifestReader {
  /** Largest manifest file read, so a stray binary or log cannot exhaust memory. */
  public static final long MAX_FILE_BYTES = 4L * 1024 * 1024;

  private static final ObjectMapper YAML = strictYamlMapper();

  /** Reads every {@code .yaml} and {@code .yml} file below a folder, in path order. */
  public LoadResult readFolder(Path folder) {
    if (!Files.isDirectory(folder)) {
      return new LoadResult(
          ResourceSnapshot.empty(),
          List.of(
              new LoadError(folder.toString(), "", "not a folder: pass a folder of manifests")));
    }
    List<Path> files;
    try (Stream<Path> walk = Files.walk(folder)) {
      files =
          walk.filter(Files::isRegularFile)
              .filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
              .sorted()
              .collect(Collectors.toList());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + folder, e);
    }
    Accumulator acc = new Accumulator();
    for (Path file : files) {
      String location = folder.relativize(file).toString();
      try {
        if (Files.size(file) > MAX_FILE_BYTES) {
          acc.errors.add(
              new LoadError(location, "", "file larger than 4 MiB: split it or remove it"));
          continue;
        }
        readDocuments(location, Files.readString(file), acc);
      } catch (IOException e) {
        acc.errors.add(new LoadError(location, "", "cannot read file: " + e.getMessage()));
      }
    }
    return acc.result();
  }

  /** Reads the documents of one YAML text; {@code name} names it in errors. */
  public LoadResult readString(String name, String yaml) {
    Accumulator acc = new Accumulator();
    readDocuments(name, yaml, acc);
    return acc.result();
  }

  private void readDocuments(String location, String yaml, Accumulator acc) {
    int index = 0;
    try (MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(yaml)) {
      while (true) {
        index++;
        JsonNode doc;
        try {
          if (!docs.hasNextValue()) {
            return;
          }
          doc = docs.nextValue();
        } catch (IOException | RuntimeException e) {
          acc.errors.add(
              new LoadError(location + "#" + index, "", "invalid YAML: " + conciseMessage(e)));
          return;
        }
        if (doc == null
            || doc.isNull()
            || doc.isMissingNode()
            || (doc.isTextual() && doc.asText().isBlank())) {
          continue;
        }
        readDocument(location + "#" + index, doc, acc);
      }
    } catch (IOException e) {
      acc.errors.add(new LoadError(location, "", "invalid YAML: " + conciseMessage(e)));
    }
  }

  private void readDocument(String location, JsonNode doc, Accumulator acc) {
    if (!doc.isObject()) {
      acc.errors.add(new LoadError(location, "", "a manifest must be a YAML mapping"));
      return;
    }
    String apiVersion = doc.path("apiVersion").asText("");
    String kind = doc.path("kind").asText("");
    String name = doc.path("metadata").path("name").asText("");
    String namespace = doc.path("metadata").path("namespace").asText("");
    String resource = kind + " " + (namespace.isEmpty() ? "" : namespace + "/") + name;
    Class<? extends HasMetadata> type = typeOf(apiVersion, kind);
    if (type == null) {
      acc.errors.add(
          new LoadError(
              location,
              resource.trim(),
              "unsupported apiVersion/kind '"
                  + apiVersion
                  + "/"
                  + kind
                  + "': expected tollgate.dev/v1alpha1 ModelProvider, AIRoute or TokenQuota,"
                  + " or v1 Secret or Namespace"));
      return;
    }
    if (name.isEmpty()) {
      acc.errors.add(new LoadError(location, kind, "metadata.name is required"));
      return;
    }
    if (type != Namespace.class && namespace.isEmpty()) {
      ((ObjectNode) doc.get("metadata")).put("namespace", "default");
      namespace = "default";
      resource = kind + " default/" + name;
    }
    HasMetadata object;
    try {
      object = YAML.treeToValue(doc, type);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      acc.errors.add(new LoadError(location, resource, conciseMessage(e)));
      return;
    }
    String identity = kind + "/" + namespace + "/" + name;
    if (!acc.seen.add(identity)) {
      acc.errors.add(
          new LoadError(location, resource, "defined twice: remove one of the two definitions"));
      return;
    }
    acc.add(object);
  }

  private static Class<? extends HasMetadata> typeOf(String apiVersion, String kind) {
    if (apiVersion.equals(Api.API_VERSION)) {
      return switch (kind) {
        case "ModelProvider" -> ModelProvider.class;
        case "AIRoute" -> AIRoute.class;
        case "TokenQuota" -> TokenQuota.class;
        default -> null;
      };
    }
    if (apiVersion.equals("v1")) {
      return switch (kind) {
        case "Secret" -> Secret.class;
        case "Namespace" -> Namespace.class;
        default -> null;
      };
    }
    return null;
  }

  /** Turns a Jackson exception into one line naming the field, without a stack trace. */
  static String conciseMessage(Exception e) {
    if (e instanceof UnrecognizedPropertyException u) {
      return "unknown field '"
          + path(u)
          + "': remove it or check its spelling (known fields: "
          + u.getKnownPropertyIds().stream().map(String::valueOf).sorted().toList()
          + ")";
    }
    if (e instanceof InvalidFormatException f) {
      return "field '"
          + path(f)
          + "' has an invalid value '"
          + f.getValue()
          + "'"
          + (f.getTargetType() != null && f.getTargetType().isEnum()
              ? ": expected one of " + enumValues(f.getTargetType())
              : ": expected " + simpleType(f.getTargetType()));
    }
    if (e instanceof MismatchedInputException m) {
      return "field '"
          + path(m)
          + "' has the wrong type: expected "
          + simpleType(m.getTargetType());
    }
    if (e instanceof JsonProcessingException j) {
      String location =
          j.getLocation() == null
              ? ""
              : " (line "
                  + j.getLocation().getLineNr()
                  + ", column "
                  + j.getLocation().getColumnNr()
                  + ")";
      return j.getOriginalMessage().lines().findFirst().orElse("") + location;
    }
    return String.valueOf(e.getMessage()).lines().findFirst().orElse("");
  }

  private static String path(MismatchedInputException e) {
    StringBuilder out = new StringBuilder();
    for (var ref : e.getPath()) {
      if (ref.getFieldName() != null) {
        out.append(out.isEmpty() ? "" : ".").append(ref.getFieldName());
      } else if (ref.getIndex() >= 0) {
        out.append('[').append(ref.getIndex()).append(']');
      }
    }
    return out.toString();
  }

  private static String enumValues(Class<?> type) {
    List<String> names = new ArrayList<>();
    for (Object constant : type.getEnumConstants()) {
      try {
        var property =
            type.getField(((Enum<?>) constant).name())
                .getAnnotation(com.fasterxml.jackson.annotation.JsonProperty.class);
        names.add(property != null ? property.value() : ((Enum<?>) constant).name());
      } catch (NoSuchFieldException e) {
        names.add(((Enum<?>) constant).name());
      }
    }
    return String.join(", ", names);
  }

  private static String simpleType(Class<?> type) {
    if (type == null) {
      return "another type";
    }
    if (List.class.isAssignableFrom(type)) {
      return "a list";
    }
    if (type == String.class) {
      return "a string";
    }
    if (Number.class.isAssignableFrom(type) || type.isPrimitive()) {
      return "a number";
    }
    if (type == Boolean.class) {
      return "true or false";
    }
    return "a mapping";
  }

  private static ObjectMapper strictYamlMapper() {
    YAMLFactory factory =
        YAMLFactory.builder()
            .streamReadConstraints(
                StreamReadConstraints.builder()
                    .maxNestingDepth(64)
                    .maxStringLength(1_000_000)
                    .maxNumberLength(64)
                    .build())
            .build();
    return new ObjectMapper(factory)
        .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
        .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, true)
        .configure(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY, true)
        .configure(JsonParser.Feature.STRICT_DUPLICATE_DETECTION, true);
  }

  private static final class Accumulator {
    final List<io.fabric8.kubernetes.api.model.HasMetadata> objects = new ArrayList<>();
    final List<LoadError> errors = new ArrayList<>();
    final Set<String> seen = new HashSet<>();

    void add(HasMetadata object) {
      objects.add(object);
    }

    LoadResult result() {
      return new LoadResult(
          new ResourceSnapshot(
              only(ModelProvider.class),
              only(AIRoute.class),
              only(TokenQuota.class),
              only(Secret.class),
              only(Namespace.class)),
          errors);
    }

    private <T> List<T> only(Class<T> type) {
      return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }
  }
}
