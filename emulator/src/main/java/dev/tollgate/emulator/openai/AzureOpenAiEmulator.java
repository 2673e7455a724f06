package dev.tollgate.emulator.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.emulator.DemoControls;
import dev.tollgate.emulator.ProviderEmulator;
import dev.tollgate.emulator.ReceivedRequest;
import dev.tollgate.emulator.Reply;
import java.io.IOException;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Azure OpenAI ({@code https://<resource>.openai.azure.com}) as a strict stand-in: {@code
 * /openai/deployments/<deployment>/{chat/completions,completions,embeddings}} and {@code
 * /openai/responses} (deployment as the body's {@code model}; only from api-version
 * 2025-03-01-preview, else 404 as for a path that version lacks), each with {@code ?api-version=};
 * and the v1 API's {@code /openai/v1/responses} (deployment as the body's {@code model}), which
 * takes no {@code api-version} or {@code api-version=preview} and any other value with a 400. It
 * refuses as Azure does, in this order: no {@code api-version} on a dated path or an unknown path
 * (404 "Resource not found"), an unknown {@code api-version} (400), a missing or wrong {@code
 * api-key} header (401; only the v1 API also takes the key as {@code Authorization: Bearer}), a
 * deployment it does not have (404 DeploymentNotFound), then OpenAI's own body checks. The answer
 * names the deployment's model, as Azure does, and the body's {@code model} is ignored on
 * deployment paths. It claims paths under {@code /openai/}. Thread-safe.
 */
public final class AzureOpenAiEmulator implements ProviderEmulator {
  /** The {@code api-version}s accepted by default: the GA ones and recent previews. */
  public static final Set<String> API_VERSIONS =
      Set.of(
          "2022-12-01",
          "2023-05-15",
          "2024-02-01",
          "2024-06-01",
          "2024-10-21",
          "2024-12-01-preview",
          "2025-01-01-preview",
          "2025-03-01-preview",
          "2025-04-01-preview");

  /** The {@code api-version}s that have {@code /openai/responses}: from 2025-03-01-preview. */
  public static final Set<String> RESPONSES_API_VERSIONS =
      Set.of("2025-03-01-preview", "2025-04-01-preview");

  private static final String DEPLOYMENTS = "/openai/deployments/";

  /** The v1 API's Responses path, which has no dated {@code api-version}. */
  private static final String V1_RESPONSES = "/openai/v1/responses";

  private final Supplier<Map<String, EmulatedModel>> deployments;
  private final String apiKey;
  private final Clock clock;
  private final AtomicLong serials = new AtomicLong();

  /**
   * Creates the emulator.
   *
   * @param deployments deployment name to the model it runs, read on every request
   * @param apiKey the one key accepted in the {@code api-key} header
   * @param clock the source of {@code created} timestamps
   */
  public AzureOpenAiEmulator(
      Supplier<Map<String, EmulatedModel>> deployments, String apiKey, Clock clock) {
    this.deployments = deployments;
    this.apiKey = apiKey;
    this.clock = clock;
  }

  /** An emulator with these deployments, accepting only this key, on the system clock. */
  public static AzureOpenAiEmulator serving(Map<String, EmulatedModel> deployments, String apiKey) {
    Map<String, EmulatedModel> copy = Map.copyOf(deployments);
    return new AzureOpenAiEmulator(() -> copy, apiKey, Clock.systemUTC());
  }

  @Override
  public boolean claims(ReceivedRequest request) {
    return request.path().startsWith("/openai/");
  }

  @Override
  public void answer(ReceivedRequest request, Reply reply) throws IOException {
    Optional<String> apiVersion = request.queryParameter("api-version");
    boolean v1 = request.path().equals(V1_RESPONSES);
    Optional<Route> route =
        v1 ? Optional.of(new Route(Endpoint.RESPONSES, null)) : route(request.path());
    if ((apiVersion.isEmpty() && !v1) || route.isEmpty() || !request.method().equals("POST")) {
      send(reply, AzureError.resourceNotFound());
      return;
    }
    if (v1
        ? apiVersion.filter(version -> !version.equals("preview")).isPresent()
        : !API_VERSIONS.contains(apiVersion.get())) {
      send(reply, AzureError.unsupportedApiVersion());
      return;
    }
    if (!v1
        && route.get().endpoint() == Endpoint.RESPONSES
        && !RESPONSES_API_VERSIONS.contains(apiVersion.get())) {
      send(reply, AzureError.resourceNotFound());
      return;
    }
    if (!request.header("api-key").map(apiKey::equals).orElse(false)
        && !(v1
            && request.header("authorization").map(("Bearer " + apiKey)::equals).orElse(false))) {
      send(reply, AzureError.accessDenied());
      return;
    }
    DemoControls controls = DemoControls.of(request);
    if (controls.forcedStatus() != 0) {
      OpenAiEmulator.send(reply, OpenAiError.forced(controls.forcedStatus()));
      return;
    }
    Optional<ObjectNode> body = Endpoint.parse(request.body());
    String deployment = route.get().deployment();
    if (deployment == null) {
      JsonNode model = body.map(b -> b.get("model")).orElse(null);
      deployment = model != null && model.isTextual() ? model.asText() : "";
    }
    EmulatedModel model = deployments.get().get(deployment);
    if (model == null) {
      send(reply, AzureError.deploymentNotFound());
      return;
    }
    if (body.isEmpty()) {
      OpenAiEmulator.send(reply, OpenAiError.unparsableJson());
      return;
    }
    Optional<DemoControls.ModelFault> fault = DemoControls.faultOf(model.name());
    if (fault.isPresent()) {
      if (fault.get() == DemoControls.ModelFault.RATE_LIMITED) {
        reply.header("retry-after", "1");
        send(reply, AzureError.rateLimited(apiVersion.orElse("v1")));
      } else {
        send(reply, AzureError.unavailable());
      }
      return;
    }
    OpenAiEmulator.serve(
        route.get().endpoint(), model, body.get(), controls, reply, true, false, clock, serials);
  }

  /** Which endpoint a path names, and its deployment (null for {@code /openai/responses}). */
  private record Route(Endpoint endpoint, String deployment) {}

  private static Optional<Route> route(String path) {
    if (path.equals("/openai/responses")) {
      return Optional.of(new Route(Endpoint.RESPONSES, null));
    }
    if (!path.startsWith(DEPLOYMENTS)) {
      return Optional.empty();
    }
    String rest = path.substring(DEPLOYMENTS.length());
    int slash = rest.indexOf('/');
    if (slash <= 0) {
      return Optional.empty();
    }
    return Endpoint.of(rest.substring(slash))
        .filter(e -> e != Endpoint.RESPONSES)
        .map(e -> new Route(e, rest.substring(0, slash)));
  }

  private static void send(Reply reply, AzureError error) throws IOException {
    reply.send(error.status(), "application/json", error.body());
  }
}
