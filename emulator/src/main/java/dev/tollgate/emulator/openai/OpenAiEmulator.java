package dev.tollgate.emulator.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.emulator.DemoControls;
import dev.tollgate.emulator.ProviderEmulator;
import dev.tollgate.emulator.PythonJson;
import dev.tollgate.emulator.ReceivedRequest;
import dev.tollgate.emulator.Reply;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The OpenAI API ({@code https://api.openai.com}) as a strict stand-in: {@code
 * /v1/chat/completions}, {@code /v1/completions}, {@code /v1/embeddings}, {@code /v1/responses}
 * (JSON and streams) and {@code GET /v1/models[/{id}]}, for the models it is given only. It refuses
 * as OpenAI does, in this order: an unknown path (404) or method (405), a missing or wrong Bearer
 * key (401), a body that is not a JSON object (400), no {@code model} (400), a model it does not
 * serve (404; 400 on the Responses API), a model of another kind (e.g. a chat model on embeddings),
 * then the endpoint's own checks. It claims every path, so mount it last.
 *
 * <p>An OpenAI-compatible server (vLLM, Gemini's OpenAI API, ...) is the same emulator under
 * another API path ({@link #at}, e.g. {@code /serving/v1} or {@code /v1beta/openai}) with its key
 * in another header or scheme ({@link #keyIn}); it still refuses in OpenAI's words. {@link
 * #unavailable} makes every request that passes the checks a 503, as an outage. Thread-safe.
 */
public final class OpenAiEmulator implements ProviderEmulator {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The API path OpenAI serves under. */
  public static final String OPENAI_API_PATH = "/v1";

  private final Supplier<List<EmulatedModel>> models;
  private final String apiKey;
  private final Clock clock;
  private final String apiPath;
  private final String keyHeader;
  private final String keyScheme;
  private final boolean unavailable;
  private final AtomicLong serials = new AtomicLong();

  /**
   * Creates the emulator.
   *
   * @param models the models served, read on every request (so a caller may change them)
   * @param apiKey the one key accepted as {@code Authorization: Bearer <key>}, or null to accept
   *     any Bearer key
   * @param clock the source of {@code created} timestamps
   */
  public OpenAiEmulator(Supplier<List<EmulatedModel>> models, String apiKey, Clock clock) {
    this(models, apiKey, clock, OPENAI_API_PATH, "authorization", "Bearer ", false);
  }

  private OpenAiEmulator(
      Supplier<List<EmulatedModel>> models,
      String apiKey,
      Clock clock,
      String apiPath,
      String keyHeader,
      String keyScheme,
      boolean unavailable) {
    this.models = models;
    this.apiKey = apiKey;
    this.clock = clock;
    this.apiPath = apiPath;
    this.keyHeader = keyHeader.toLowerCase(java.util.Locale.ROOT);
    this.keyScheme = keyScheme;
    this.unavailable = unavailable;
  }

  /**
   * The same emulator serving under another API path instead of {@code /v1}: {@code
   * /serving/v1/chat/completions} for {@code at("/serving/v1")}.
   *
   * @param apiPath a path starting with {@code /}, without a trailing one
   */
  public OpenAiEmulator at(String apiPath) {
    if (!apiPath.startsWith("/") || apiPath.endsWith("/")) {
      throw new IllegalArgumentException("an API path starts with / and does not end with one");
    }
    return new OpenAiEmulator(models, apiKey, clock, apiPath, keyHeader, keyScheme, unavailable);
  }

  /**
   * The same emulator reading its key from another header, after a scheme: {@code
   * keyIn("x-goog-api-key", "")} for Gemini's header, {@code keyIn("authorization", "Bearer ")} as
   * OpenAI. A request without it gets OpenAI's "didn't provide an API key" 401.
   */
  public OpenAiEmulator keyIn(String header, String scheme) {
    return new OpenAiEmulator(models, apiKey, clock, apiPath, header, scheme, unavailable);
  }

  /**
   * The same emulator in an outage: every request that passes its path, key, model and body checks
   * gets OpenAI's 503 {@code server_error}, whatever the model's name.
   */
  public OpenAiEmulator unavailable() {
    return new OpenAiEmulator(models, apiKey, clock, apiPath, keyHeader, keyScheme, true);
  }

  /** An emulator serving these models, accepting only this key, on the system clock. */
  public static OpenAiEmulator serving(List<EmulatedModel> models, String apiKey) {
    List<EmulatedModel> copy = List.copyOf(models);
    return new OpenAiEmulator(() -> copy, apiKey, Clock.systemUTC());
  }

  @Override
  public boolean claims(ReceivedRequest request) {
    return true;
  }

  @Override
  public void answer(ReceivedRequest request, Reply reply) throws IOException {
    String path = request.path();
    String method = request.method();
    String modelsBase = apiPath + "/models";
    boolean modelsPath = path.equals(modelsBase) || path.startsWith(modelsBase + "/");
    Optional<Endpoint> endpoint =
        path.startsWith(apiPath + "/")
            ? Endpoint.of(path.substring(apiPath.length()))
            : Optional.empty();
    if (!modelsPath && endpoint.isEmpty()) {
      send(reply, OpenAiError.invalidUrl(method, path));
      return;
    }
    if (!method.equals(modelsPath ? "GET" : "POST")) {
      send(reply, OpenAiError.invalidMethod(method, path));
      return;
    }
    Optional<OpenAiError> refused = authenticate(request);
    if (refused.isPresent()) {
      send(reply, refused.get());
      return;
    }
    DemoControls controls = DemoControls.of(request);
    if (controls.forcedStatus() != 0) {
      send(reply, OpenAiError.forced(controls.forcedStatus()));
      return;
    }
    if (modelsPath) {
      listModels(path, reply);
      return;
    }
    Optional<ObjectNode> body = Endpoint.parse(request.body());
    if (body.isEmpty()) {
      send(reply, OpenAiError.unparsableJson());
      return;
    }
    JsonNode modelField = body.get().get("model");
    if (modelField == null || !modelField.isTextual() || modelField.asText().isEmpty()) {
      send(reply, OpenAiError.missingModel());
      return;
    }
    String name = modelField.asText();
    Optional<EmulatedModel> model = find(name);
    if (model.isEmpty()) {
      send(
          reply,
          endpoint.get() == Endpoint.RESPONSES
              ? OpenAiError.responsesModelNotFound(name)
              : OpenAiError.modelNotFound(name));
      return;
    }
    serve(
        endpoint.get(),
        model.get(),
        body.get(),
        controls,
        reply,
        false,
        unavailable,
        clock,
        serials);
  }

  /**
   * Checks an accepted model and body against an endpoint, applies the demo's model faults (or an
   * outage, when {@code down}), and answers: the part OpenAI and Azure OpenAI share.
   */
  static void serve(
      Endpoint endpoint,
      EmulatedModel model,
      ObjectNode body,
      DemoControls controls,
      Reply reply,
      boolean azure,
      boolean down,
      Clock clock,
      AtomicLong serials)
      throws IOException {
    Optional<OpenAiError> refused =
        endpoint
            .refuseKind(model)
            .or(() -> endpoint.check(body))
            .or(
                () ->
                    endpoint == Endpoint.CHAT
                        ? ReasoningParameters.check(model.name(), body)
                        : Optional.empty());
    if (refused.isPresent()) {
      send(reply, refused.get());
      return;
    }
    Optional<DemoControls.ModelFault> fault =
        down
            ? Optional.of(DemoControls.ModelFault.UNAVAILABLE)
            : DemoControls.faultOf(model.name());
    if (fault.isPresent()) {
      if (fault.get() == DemoControls.ModelFault.RATE_LIMITED) {
        reply.header("retry-after", "1");
        send(reply, OpenAiError.rateLimited(model.name()));
      } else {
        send(reply, OpenAiError.unavailable());
      }
      return;
    }
    endpoint.answer(
        new Call(
            body,
            model.name(),
            controls,
            reply,
            azure,
            clock.instant().getEpochSecond(),
            serials.incrementAndGet()));
  }

  /** Sends an OpenAI error. */
  static void send(Reply reply, OpenAiError error) throws IOException {
    reply.send(error.status(), error.contentType(), error.body());
  }

  private Optional<OpenAiError> authenticate(ReceivedRequest request) {
    String value = request.header(keyHeader).orElse("");
    if (!value.startsWith(keyScheme) || value.length() == keyScheme.length()) {
      return Optional.of(OpenAiError.missingKey());
    }
    String key = value.substring(keyScheme.length());
    if (apiKey != null && !apiKey.equals(key)) {
      return Optional.of(OpenAiError.incorrectKey(key));
    }
    return Optional.empty();
  }

  private Optional<EmulatedModel> find(String name) {
    return models.get().stream().filter(m -> m.name().equals(name)).findFirst();
  }

  private void listModels(String path, Reply reply) throws IOException {
    String one = apiPath + "/models/";
    if (path.startsWith(one)) {
      String id = path.substring(one.length());
      Optional<EmulatedModel> model = find(id);
      if (model.isEmpty()) {
        send(reply, OpenAiError.modelNotFound(id));
        return;
      }
      reply.send(200, "application/json", PythonJson.indented(modelObject(model.get()), 2));
      return;
    }
    ObjectNode list = JSON.createObjectNode().put("object", "list");
    ArrayNode data = list.putArray("data");
    models.get().stream().map(OpenAiEmulator::modelObject).forEach(data::add);
    reply.send(200, "application/json", PythonJson.indented(list, 2));
  }

  private static ObjectNode modelObject(EmulatedModel model) {
    return JSON.createObjectNode()
        .put("id", model.name())
        .put("object", "model")
        .put("created", 1_700_000_000L)
        .put("owned_by", "system");
  }
}
