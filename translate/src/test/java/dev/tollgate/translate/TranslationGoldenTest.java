package dev.tollgate.translate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * A golden per translation case, for every (client API, backend API) pair: {@code
 * golden/<pair>/request/<case>.in.json} gives {@code <case>.out.json} (the backend's body, or the
 * refusal), {@code response/<case>.in.json} (a status and a backend body) gives the client's
 * status, body and usage, and {@code stream/<case>.in.sse} gives {@code <case>.out.sse} and {@code
 * <case>.usage.json}; each stream is also fed in many splits (see {@link #splits}) and must give
 * the same bytes. A response or stream case may have {@code <case>.request.json}, the client
 * request it answers. Run with {@code -Dtollgate.update=true} to rewrite outputs and delete
 * orphans.
 */
class TranslationGoldenTest {
  static final Path DIR = Path.of("src", "test", "resources", "golden");
  private static final boolean UPDATE = Boolean.getBoolean("tollgate.update");
  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-03-10T10:00:30Z"), ZoneOffset.UTC);

  /** The pairs and the options every case of a pair is translated with. */
  static final Map<String, RequestTranslator> PAIRS =
      Map.of(
          "openai-chat-to-anthropic", RequestTranslator.OPENAI_CHAT_TO_ANTHROPIC,
          "anthropic-to-openai-chat", RequestTranslator.ANTHROPIC_TO_OPENAI_CHAT);

  static final Map<String, String> UPSTREAM_MODELS =
      Map.of(
          "openai-chat-to-anthropic", "claude-sonnet-4-5",
          "anthropic-to-openai-chat", "gpt-4o-mini");

  private static final ObjectMapper PRETTY =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  @TestFactory
  Stream<DynamicTest> everyCaseGivesItsGoldenOutput() throws IOException {
    List<DynamicTest> tests = new ArrayList<>();
    for (String pair : PAIRS.keySet().stream().sorted().toList()) {
      for (Path input : inputs(pair, "request", ".in.json")) {
        tests.add(test(pair, input, ".out.json", () -> request(pair, input)));
      }
      for (Path input : inputs(pair, "response", ".in.json")) {
        tests.add(test(pair, input, ".out.json", () -> response(pair, input)));
      }
      for (Path input : inputs(pair, "stream", ".in.sse")) {
        tests.add(test(pair, input, ".out.sse", () -> stream(pair, input, false)));
        tests.add(test(pair, input, ".usage.json", () -> stream(pair, input, true)));
      }
    }
    return tests.stream();
  }

  @Test
  void everyOutputHasAnInput() throws IOException {
    for (String pair : PAIRS.keySet()) {
      for (String kind : List.of("request", "response", "stream")) {
        Path dir = DIR.resolve(pair).resolve(kind);
        if (!Files.isDirectory(dir)) {
          continue;
        }
        try (Stream<Path> files = Files.list(dir)) {
          for (Path file : files.toList()) {
            String name = file.getFileName().toString();
            if (name.endsWith(".in.json") || name.endsWith(".in.sse")) {
              continue;
            }
            String base = name.substring(0, name.indexOf('.'));
            boolean hasInput =
                Files.exists(dir.resolve(base + ".in.json"))
                    || Files.exists(dir.resolve(base + ".in.sse"));
            if (!hasInput && UPDATE) {
              Files.delete(file);
            } else {
              assertThat(hasInput).as("orphan golden output %s", file).isTrue();
            }
          }
        }
      }
    }
  }

  @FunctionalInterface
  interface Render {
    String render() throws Exception;
  }

  private static DynamicTest test(String pair, Path input, String suffix, Render render) {
    String name = input.getFileName().toString();
    String base = name.substring(0, name.indexOf('.'));
    Path expected = input.resolveSibling(base + suffix);
    return DynamicTest.dynamicTest(
        pair + "/" + input.getParent().getFileName() + "/" + base + suffix,
        () -> {
          String actual = render.render();
          assertThat(render.render()).as("deterministic").isEqualTo(actual);
          if (UPDATE) {
            Files.writeString(expected, actual);
          }
          assertThat(expected).as("golden output; run with -Dtollgate.update=true").exists();
          assertThat(actual).isEqualTo(Files.readString(expected));
        });
  }

  static RequestOptions options(String pair) {
    return new RequestOptions(UPSTREAM_MODELS.get(pair), 4096, CLOCK);
  }

  /** A reasoning model the request cases named {@code reasoning-*} are translated for. */
  static final String REASONING_MODEL = "o4-mini";

  private static RequestOptions options(String pair, Path input) {
    return input.getFileName().toString().startsWith("reasoning-")
        ? new RequestOptions(REASONING_MODEL, 4096, CLOCK)
        : options(pair);
  }

  private static String request(String pair, Path input) throws IOException {
    byte[] body = Files.readAllBytes(input);
    try {
      Translation translation = PAIRS.get(pair).translate(body, options(pair, input));
      ObjectNode out = PRETTY.createObjectNode();
      out.put("upstreamPath", translation.upstreamPath());
      out.put("streaming", translation.streaming());
      out.set("body", PRETTY.readTree(translation.body()));
      return pretty(out);
    } catch (UntranslatableRequest refusal) {
      ObjectNode out = PRETTY.createObjectNode().put("status", 400).put("field", refusal.field());
      out.set("body", PRETTY.readTree(refusal.errorBody()));
      return pretty(out);
    }
  }

  private static String response(String pair, Path input) throws Exception {
    JsonNode in = PRETTY.readTree(input.toFile());
    JsonNode body = in.get("body");
    byte[] bytes =
        body.isTextual()
            ? body.asText().getBytes(StandardCharsets.UTF_8)
            : PRETTY.writeValueAsBytes(body);
    TranslatedResponse response =
        translation(pair, input, false).response(in.get("status").asInt(), bytes);
    ObjectNode out = PRETTY.createObjectNode().put("status", response.status());
    out.set("body", PRETTY.readTree(response.body()));
    response.usage().ifPresent(u -> out.set("usage", PRETTY.valueToTree(u)));
    return pretty(out);
  }

  private static String stream(String pair, Path input, boolean usage) throws Exception {
    byte[] bytes = Files.readAllBytes(input);
    Translation translation = translation(pair, input, true);
    StreamTranslator whole = translation.stream();
    String expected = new String(whole.next(bytes, true), StandardCharsets.UTF_8);
    for (List<byte[]> pieces : splits(bytes)) {
      StreamTranslator split = translation.stream();
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      for (int i = 0; i < pieces.size(); i++) {
        got.writeBytes(split.next(pieces.get(i), i == pieces.size() - 1));
      }
      assertThat(got.toString(StandardCharsets.UTF_8))
          .as("output when split in %d pieces", pieces.size())
          .isEqualTo(expected);
      assertThat(split.usage()).isEqualTo(whole.usage());
    }
    if (!usage) {
      return expected;
    }
    ObjectNode out = PRETTY.valueToTree(whole.usage());
    out.put("complete", whole.complete());
    return pretty(out);
  }

  /**
   * One byte per chunk (a split at every byte at once), two pieces around every line end (where CR
   * and LF, or an event and the next, part) and at a stride, and seeded random pieces.
   */
  private static List<List<byte[]>> splits(byte[] bytes) {
    List<List<byte[]>> all = new ArrayList<>();
    for (int at = 0; at <= bytes.length; at++) {
      if (at % 13 == 0 || nearLineEnd(bytes, at)) {
        all.add(List.of(slice(bytes, 0, at), slice(bytes, at, bytes.length)));
      }
    }
    List<byte[]> single = new ArrayList<>();
    for (int i = 0; i < bytes.length; i++) {
      single.add(slice(bytes, i, i + 1));
    }
    single.add(new byte[0]);
    all.add(single);
    Random random = new Random(bytes.length);
    for (int round = 0; round < 20; round++) {
      List<byte[]> pieces = new ArrayList<>();
      int at = 0;
      while (at < bytes.length) {
        int next = Math.min(bytes.length, at + 1 + random.nextInt(64));
        pieces.add(slice(bytes, at, next));
        at = next;
      }
      pieces.add(new byte[0]);
      all.add(pieces);
    }
    return all;
  }

  private static boolean nearLineEnd(byte[] bytes, int at) {
    for (int i = Math.max(0, at - 2); i < Math.min(bytes.length, at + 2); i++) {
      if (bytes[i] == '\n' || bytes[i] == '\r') {
        return true;
      }
    }
    return false;
  }

  private static byte[] slice(byte[] bytes, int from, int to) {
    byte[] out = new byte[to - from];
    System.arraycopy(bytes, from, out, 0, out.length);
    return out;
  }

  private static Translation translation(String pair, Path input, boolean stream)
      throws IOException, UntranslatableRequest {
    String name = input.getFileName().toString();
    Path request = input.resolveSibling(name.substring(0, name.indexOf('.')) + ".request.json");
    byte[] body =
        Files.exists(request)
            ? Files.readAllBytes(request)
            : defaultRequest(pair, stream).getBytes(StandardCharsets.UTF_8);
    return PAIRS.get(pair).translate(body, options(pair));
  }

  private static String defaultRequest(String pair, boolean stream) {
    String messages = "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]";
    if (pair.startsWith("anthropic-")) {
      return "{\"model\":\"fast\",\"max_tokens\":100,"
          + messages
          + (stream ? ",\"stream\":true" : "")
          + "}";
    }
    return "{\"model\":\"claude\","
        + messages
        + (stream ? ",\"stream\":true,\"stream_options\":{\"include_usage\":true}" : "")
        + "}";
  }

  private static List<Path> inputs(String pair, String kind, String suffix) throws IOException {
    Path dir = DIR.resolve(pair).resolve(kind);
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().toList();
    }
  }

  private static String pretty(JsonNode node) throws IOException {
    return PRETTY.writeValueAsString(node) + "\n";
  }
}
