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
 * then the endpoint's own checks. It claims every path, so mount it last. Thread-safe.
 */
public final class OpenAiEmulator implements ProviderEmulator {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Supplier<List<EmulatedModel>> models;
  private final String apiKey;
  private final Clock clock;
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
    this.models = models;
    this.apiKey = apiKey;
    this.clock = clock;
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
    boolean modelsPath = path.equals("/v1/models") || path.startsWith("/v1/models/");
    Optional<Endpoint> endpoint =
        path.startsWith("/v1/") ? Endpoint.of(path.substring(3)) : Optional.empty();
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
    serve(endpoint.get(), model.get(), body.get(), controls, reply, false, clock, serials);
  }

  /**
   * Checks an accepted model and body against an endpoint, applies the demo's model faults, and
   * answers: the part OpenAI and Azure OpenAI share.
   */
  static void serve(
      Endpoint endpoint,
      EmulatedModel model,
      ObjectNode body,
      DemoControls controls,
      Reply reply,
      boolean azure,
      Clock clock,
      AtomicLong serials)
      throws IOException {
    Optional<OpenAiError> refused = endpoint.refuseKind(model).or(() -> endpoint.check(body));
    if (refused.isPresent()) {
      send(reply, refused.get());
      return;
    }
    Optional<DemoControls.ModelFault> fault = DemoControls.faultOf(model.name());
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
    String authorization = request.header("authorization").orElse("");
    if (!authorization.startsWith("Bearer ") || authorization.length() == "Bearer ".length()) {
      return Optional.of(OpenAiError.missingKey());
    }
    String key = authorization.substring("Bearer ".length());
    if (apiKey != null && !apiKey.equals(key)) {
      return Optional.of(OpenAiError.incorrectKey(key));
    }
    return Optional.empty();
  }

  private Optional<EmulatedModel> find(String name) {
    return models.get().stream().filter(m -> m.name().equals(name)).findFirst();
  }

  private void listModels(String path, Reply reply) throws IOException {
    if (path.startsWith("/v1/models/")) {
      String id = path.substring("/v1/models/".length());
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
