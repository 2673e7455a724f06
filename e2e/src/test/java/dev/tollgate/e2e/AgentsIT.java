package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.emulator.AnsweredRequest;
import dev.tollgate.emulator.EmulatorServer;
import dev.tollgate.emulator.ReceivedRequest;
import dev.tollgate.emulator.anthropic.AnthropicEmulator;
import dev.tollgate.emulator.openai.EmulatedModel;
import dev.tollgate.emulator.openai.OpenAiEmulator;
import dev.tollgate.model.Wire;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real coding agents through {@code tollgate run} and a real Envoy: Claude Code ({@code claude
 * -p}) on the Messages API and Codex CLI ({@code codex exec}, a custom model provider with {@code
 * wire_api = "responses"}) on the Responses API, both installed from npm by {@code
 * scripts/install-agents.sh}. The providers are the strict Anthropic and OpenAI emulators on one
 * server, each under its own key. Each test asserts the agent printed the emulator's answer, what
 * the provider received (path, query, key, headers, body), and that the gateway metered the tokens
 * the provider reported. What the providers received is also written to {@code
 * target/e2e/agents/<agent>-received.json} (keys redacted), as the record of what the agents send.
 */
class AgentsIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String KEY = "tg-e2e-agents-dev-0001";
  static final String ANTHROPIC_KEY = "sk-ant-agents-e2e-0001";
  static final String OPENAI_KEY = "sk-agents-e2e-openai-0001";
  static final String SONNET = "claude-sonnet-4-6";
  static final String HAIKU = "claude-haiku-4-5";
  static final String GPT = "gpt-5.5";
  static final String O4_MINI = "o4-mini";
  static final Path WORK = Path.of("target/e2e/agents").toAbsolutePath();

  static EmulatorServer providers;
  static TollgateRun gateway;

  @BeforeAll
  static void start() throws Exception {
    AgentCli.bin();
    // The access log and ledger of an earlier run would add to this run's sums.
    if (Files.exists(WORK)) {
      try (var paths = Files.walk(WORK)) {
        paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
      }
    }
    providers =
        EmulatorServer.start(
            "127.0.0.1",
            0,
            List.of(
                new AnthropicEmulator(List.of(SONNET, HAIKU), ANTHROPIC_KEY),
                OpenAiEmulator.serving(
                    List.of(EmulatedModel.named(GPT), EmulatedModel.named(O4_MINI)), OPENAI_KEY)),
            0);
    gateway =
        TollgateRun.start(
            "agents", WORK, Map.of("PROVIDER_URL", "http://127.0.0.1:" + providers.port()));
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.close();
    }
    if (providers != null) {
      providers.close();
    }
  }

  /**
   * Claude Code with one tool (Read): the emulator calls it first, Claude Code reads the file and
   * sends the result back, and prints the emulator's final text.
   */
  @Test
  void claudeCodeRunsAToolLoopThroughTheGateway() throws Exception {
    Path dir = Files.createDirectories(WORK.resolve("claude"));
    Files.writeString(dir.resolve("demo"), "The notes say hello.\n");
    int before = providers.received().size();
    AgentCli.Outcome claude =
        AgentCli.run(
            "claude",
            List.of(
                "-p",
                "Read the file named demo and say what it says",
                "--model",
                SONNET,
                "--tools",
                "Read",
                "--output-format",
                "text"),
            dir,
            claudeEnvironment(HAIKU));
    claude.assertSucceeded();
    assertThat(claude.stdout())
        .as("Claude Code printed the Anthropic emulator's answer")
        .contains("Tollgate forwarded this request to the Anthropic emulator");

    List<ReceivedRequest> sent = since(before);
    record("claude", sent);
    assertThat(sent)
        .as("Claude Code's turns reached the provider: the tool call and the answer to its result")
        .hasSizeGreaterThanOrEqualTo(2);
    for (ReceivedRequest request : sent) {
      assertThat(request.method() + " " + request.path()).isEqualTo("POST /v1/messages");
      assertThat(request.query()).as("Claude Code's ?beta=true stays at the gateway").isEmpty();
      assertThat(request.header("x-api-key")).as("the provider's key").contains(ANTHROPIC_KEY);
      assertThat(request.headers()).doesNotContainKeys("authorization");
      assertThat(request.header("anthropic-version")).contains("2023-06-01");
      assertThat(request.header("anthropic-beta"))
          .as("only the betas the provider allows, of those Claude Code sent")
          .contains("claude-code-20250219,interleaved-thinking-2025-05-14");
      assertThat(request.header("user-agent").orElse("")).startsWith("claude-cli/2.1.");
      assertThat(request.headers())
          .doesNotContainKeys(Wire.NAMESPACE_HEADER, Wire.CLIENT_HEADER, Wire.MODEL_HEADER);
      JsonNode body = JSON.readTree(request.body());
      assertThat(body.path("model").asText()).isEqualTo(SONNET);
      assertThat(body.path("stream").asBoolean()).as("Claude Code streams").isTrue();
      assertThat(toolNames(body)).containsExactly("Read");
    }
    JsonNode last = JSON.readTree(sent.get(sent.size() - 1).body()).path("messages");
    assertThat(last.toString())
        .as("the last turn carries the Read result back")
        .contains("tool_result")
        .contains("The notes say hello.");

    assertMetered("/v1/messages", sent.size());
  }

  /**
   * Claude Code on an OpenAI reasoning model: its Messages request (with {@code thinking}, {@code
   * context_management} and {@code output_config.effort}, which it sends for every model) is
   * translated to Chat Completions, which the strict OpenAI emulator accepts only with {@code
   * max_completion_tokens} and an effort the model offers; the answer comes back as Anthropic's
   * events and Claude Code prints it.
   */
  @Test
  void claudeCodeCompletesATurnOnAnOpenAiReasoningModel() throws Exception {
    Path dir = Files.createDirectories(WORK.resolve("claude-openai"));
    int before = providers.received().size();
    AgentCli.Outcome claude =
        AgentCli.run(
            "claude",
            List.of(
                "-p",
                "Say hello",
                "--model",
                O4_MINI,
                "--tools",
                "Read",
                "--output-format",
                "text"),
            dir,
            claudeEnvironment(O4_MINI));
    claude.assertSucceeded();
    assertThat(claude.stdout())
        .as("Claude Code printed the OpenAI emulator's answer")
        .contains("Tollgate forwarded this request to the demo upstream");

    List<ReceivedRequest> sent = since(before);
    record("claude-openai", sent);
    assertThat(sent).as("Claude Code's turn reached the OpenAI provider").isNotEmpty();
    for (ReceivedRequest request : sent) {
      assertThat(request.method() + " " + request.path()).isEqualTo("POST /v1/chat/completions");
      assertThat(request.query()).isEmpty();
      assertThat(request.header("authorization")).contains("Bearer " + OPENAI_KEY);
      assertThat(request.headers())
          .doesNotContainKeys("x-api-key", "anthropic-version", "anthropic-beta");
      assertThat(request.gatewayHeaders()).as("x-tollgate-* headers at the provider").isEmpty();
      JsonNode body = JSON.readTree(request.body());
      assertThat(body.path("model").asText()).isEqualTo(O4_MINI);
      assertThat(body.has("max_tokens")).as("o4-mini refuses max_tokens").isFalse();
      assertThat(body.path("max_completion_tokens").asLong()).isPositive();
      assertThat(body.path("reasoning_effort").asText())
          .as("Claude Code's output_config.effort")
          .isEqualTo("high");
      assertThat(body.has("thinking") || body.has("context_management")).isFalse();
      assertThat(body.path("stream").asBoolean()).isTrue();
      List<String> functions = new ArrayList<>();
      for (JsonNode tool : body.path("tools")) {
        assertThat(tool.path("type").asText()).isEqualTo("function");
        functions.add(tool.path("function").path("name").asText());
      }
      assertThat(functions).as("Claude Code's tools as OpenAI functions").contains("Read");
    }
    assertThat(
            providers.answered().stream()
                .filter(answered -> answered.request().path().equals("/v1/chat/completions"))
                .map(AnsweredRequest::status))
        .as("the strict emulator accepted every translated turn")
        .containsOnly(200);
    assertMetered("/v1/messages", sent.size());
  }

  /** What Claude Code needs to call the gateway, with this model for its small/fast requests. */
  private static Map<String, String> claudeEnvironment(String smallModel) {
    return Map.of(
        "ANTHROPIC_BASE_URL",
        gateway.url(),
        "ANTHROPIC_AUTH_TOKEN",
        KEY,
        "ANTHROPIC_DEFAULT_HAIKU_MODEL",
        smallModel,
        "ANTHROPIC_SMALL_FAST_MODEL",
        smallModel,
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC",
        "1",
        "DISABLE_AUTOUPDATER",
        "1");
  }

  /** Codex CLI, headless, on a custom model provider speaking the Responses API to the gateway. */
  @Test
  void codexExecAnswersThroughTheGateway() throws Exception {
    Path dir = Files.createDirectories(WORK.resolve("codex"));
    Path codexHome = Files.createDirectories(dir.resolve("codex-home"));
    Files.writeString(
        codexHome.resolve("config.toml"),
        "model = \""
            + GPT
            + "\"\nmodel_provider = \"tollgate\"\ncheck_for_update_on_startup = false\n\n"
            + "[analytics]\nenabled = false\n\n"
            + "[model_providers.tollgate]\nname = \"Tollgate\"\nbase_url = \""
            + gateway.url()
            + "/v1\"\nenv_key = \"TOLLGATE_KEY\"\nwire_api = \"responses\"\n");
    Path lastMessage = dir.resolve("last-message.txt");
    int before = providers.received().size();
    AgentCli.Outcome codex =
        AgentCli.run(
            "codex",
            List.of(
                "exec",
                "--skip-git-repo-check",
                "--ephemeral",
                "--color",
                "never",
                "--sandbox",
                "read-only",
                "--output-last-message",
                lastMessage.toString(),
                "Say hello"),
            dir,
            Map.of("CODEX_HOME", codexHome.toString(), "TOLLGATE_KEY", KEY));
    codex.assertSucceeded();
    assertThat(Files.exists(lastMessage) ? Files.readString(lastMessage) : "")
        .as("Codex's last message is the OpenAI emulator's answer; stderr:\n%s", codex.stderr())
        .contains("Tollgate forwarded this request to the demo upstream");

    List<ReceivedRequest> sent = since(before);
    record("codex", sent);
    assertThat(sent).as("Codex's turn reached the provider").isNotEmpty();
    for (ReceivedRequest request : sent) {
      assertThat(request.method() + " " + request.path()).isEqualTo("POST /v1/responses");
      assertThat(request.query()).isEmpty();
      assertThat(request.header("authorization")).contains("Bearer " + OPENAI_KEY);
      assertThat(request.header("originator")).contains("codex_exec");
      assertThat(request.header("user-agent").orElse("")).startsWith("codex_exec/0.171.");
      assertThat(request.headers())
          .doesNotContainKeys(
              "x-api-key", Wire.NAMESPACE_HEADER, Wire.CLIENT_HEADER, Wire.MODEL_HEADER);
      JsonNode body = JSON.readTree(request.body());
      assertThat(body.path("model").asText()).isEqualTo(GPT);
      assertThat(body.path("stream").asBoolean()).as("Codex streams").isTrue();
      assertThat(body.path("store").asBoolean(true)).as("Codex keeps nothing stored").isFalse();
      assertThat(body.path("max_output_tokens").asLong())
          .as("the gateway capped the output it reserved")
          .isPositive();
      assertThat(toolNames(body)).as("Codex offers its tools").contains("exec_command");
    }

    assertMetered("/v1/responses", sent.size());
  }

  private static List<ReceivedRequest> since(int before) {
    List<ReceivedRequest> all = providers.received();
    return new ArrayList<>(all.subList(before, all.size()));
  }

  private static List<String> toolNames(JsonNode body) {
    List<String> names = new ArrayList<>();
    for (JsonNode tool : body.path("tools")) {
      names.add(tool.path("name").asText(tool.path("type").asText()));
    }
    return names;
  }

  /**
   * The gateway's access log has one served line per provider request on this path, each with the
   * usage the provider reported, and the budget store's {@code used} for the client is the sum of
   * every served line's tokens.
   */
  private static void assertMetered(String path, int requests) {
    List<JsonNode> lines =
        await()
            .atMost(Duration.ofSeconds(15))
            .until(() -> served(path), found -> found.size() >= requests);
    for (JsonNode line : lines) {
      assertThat(line.path("usage_source").asText()).as("%s", line).isEqualTo("reported");
      assertThat(line.path("input_tokens").asLong()).as("%s", line).isPositive();
      assertThat(line.path("output_tokens").asLong()).as("%s", line).isPositive();
    }
    await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () -> {
              long expected = 0;
              for (String p : List.of("/v1/messages", "/v1/responses")) {
                for (JsonNode line : served(p)) {
                  expected +=
                      line.path("input_tokens").asLong() + line.path("output_tokens").asLong();
                }
              }
              assertThat(usedTokens())
                  .as("the budget store's used tokens for client dev equal the access log's")
                  .isEqualTo(expected);
            });
  }

  /** The access-log lines of the client's calls on a path the provider answered with 200. */
  private static List<JsonNode> served(String path) {
    return gateway.accessLog().stream()
        .filter(
            entry ->
                entry.path("path").asText().equals(path)
                    && entry.path("client").asText().equals("dev")
                    && entry.path("status").asInt() == 200)
        .toList();
  }

  private static long usedTokens() throws IOException {
    JsonNode usage = JSON.readTree(TollgateRun.get(gateway.metricsUrl() + "/usage", null).body());
    for (JsonNode quota : usage) {
      for (JsonNode bucket : quota.path("buckets")) {
        if (bucket.path("bucket").asText().equals("client=dev")) {
          return bucket.path("used").asLong();
        }
      }
    }
    throw new AssertionError("no client=dev bucket in /usage: " + usage);
  }

  /** Writes what the provider received, keys redacted, for the record of what the agent sends. */
  private static void record(String agent, List<ReceivedRequest> sent) throws IOException {
    ArrayNode out = JSON.createArrayNode();
    for (ReceivedRequest request : sent) {
      ObjectNode entry = out.addObject();
      entry.put("method", request.method()).put("path", request.path());
      entry.put("query", request.query());
      ObjectNode headers = entry.putObject("headers");
      request.headers().entrySet().stream()
          .sorted(Map.Entry.comparingByKey())
          .forEach(
              h ->
                  headers.put(
                      h.getKey(),
                      h.getKey().equals("authorization") || h.getKey().equals("x-api-key")
                          ? "<redacted>"
                          : String.join(", ", h.getValue())));
      JsonNode body = JSON.readTree(request.body());
      ArrayNode keys = entry.putArray("body_fields");
      body.fieldNames().forEachRemaining(keys::add);
      ArrayNode tools = entry.putArray("tools");
      toolNames(body).forEach(tools::add);
    }
    Files.writeString(
        WORK.resolve(agent + "-received.json"),
        JSON.writerWithDefaultPrettyPrinter().writeValueAsString(out));
  }
}
