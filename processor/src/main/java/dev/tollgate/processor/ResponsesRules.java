package dev.tollgate.processor;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.util.Map;
import java.util.Set;

/**
 * The request-body rules of OpenAI's Responses API ({@code POST /v1/responses}).
 *
 * <ul>
 *   <li>The output cap is {@code max_output_tokens} only: Chat Completions' {@code max_tokens} and
 *       {@code max_completion_tokens}, and {@code n} / {@code best_of}, are refused, since a lax
 *       server could read a cap or a choice count the reservation did not count.
 *   <li>State kept at the provider is refused: {@code previous_response_id}, {@code conversation}
 *       and stored {@code prompt} templates live in the account of the platform's key, which every
 *       team of the gateway shares; a split or fallback may reach another account; and their tokens
 *       are not in the body the reservation is estimated from. {@code background: true} is refused
 *       because its result is fetched later by calls the gateway does not meter. {@code store} is
 *       passed on as sent.
 *   <li>The stream always ends with {@code response.completed}, which carries the usage, so no
 *       {@code stream_options} are added (OpenAI refuses {@code include_usage} there).
 *   <li>{@code input} items (messages, function calls and their outputs, reasoning) are counted
 *       like chat messages.
 *   <li>Every backend of the rule must be an OpenAI, OpenAI-compatible or Azure OpenAI provider;
 *       Anthropic does not serve the API, so a rule with an Anthropic backend is refused with 400
 *       rather than sent a request it would refuse. Azure OpenAI serves it at {@code
 *       /openai/v1/responses} (Envoy's upstream path filter) with the deployment as the body's
 *       {@code model}: a rule with an Azure backend has its model written per attempt, so that
 *       Envoy's upstream model filter writes the deployment on Azure attempts and the upstream
 *       model on the others.
 * </ul>
 *
 * <p>Stateless and thread-safe.
 */
final class ResponsesRules implements BodyRules {
  /** The path of the Responses API. */
  static final String PATH = "/v1/responses";

  static final BodyRules INSTANCE = new ResponsesRules();

  /** {@code gen_ai.provider.name} of the provider types that serve {@code /v1/responses} as is. */
  private static final Set<String> SERVING_SYSTEMS =
      Set.of("openai", "openai_compatible", Policy.AZURE_SYSTEM);

  private static final Map<String, String> TYPE_NAMES = Map.of("anthropic", "Anthropic");

  private static final String STATELESS =
      " Send the whole conversation in 'input' instead (with \"store\": false, as Codex does).";

  /** Why a field is refused, by field, when its value is anything but null. */
  private static final Map<String, String> REFUSED =
      Map.of(
          "max_tokens", "The Responses API reads 'max_output_tokens'; send only that.",
          "max_completion_tokens", "The Responses API reads 'max_output_tokens'; send only that.",
          "n", "The Responses API generates one response per request.",
          "best_of", "The Responses API generates one response per request.",
          "previous_response_id",
              "Tollgate does not forward references to responses stored at the provider: they live"
                  + " in an account every team of this gateway shares, another backend of the"
                  + " route may not have them, and their tokens are not in the request the budget"
                  + " reserves."
                  + STATELESS,
          "conversation",
              "Tollgate does not forward conversations stored at the provider: they live in an"
                  + " account every team of this gateway shares, and their tokens are not in the"
                  + " request the budget reserves."
                  + STATELESS,
          "prompt",
              "Tollgate does not forward prompt templates stored at the provider: their text is"
                  + " not in the request the budget reserves. Send the prompt in 'instructions'"
                  + " and 'input'.");

  private ResponsesRules() {}

  @Override
  public void checkField(JsonParser p, String name, JsonToken value)
      throws RequestBodyParser.InvalidBodyException {
    if (value == JsonToken.VALUE_NULL) {
      return;
    }
    String reason = REFUSED.get(name);
    if (reason != null) {
      throw unsupported(name, reason);
    }
    if (name.equals("background") && value == JsonToken.VALUE_TRUE) {
      throw unsupported(
          name,
          "Tollgate does not run background responses: their result is fetched later by calls"
              + " the gateway does not meter. Send the request without it (streaming, if it is"
              + " long).");
    }
  }

  @Override
  public boolean asksStreamUsage() {
    return false;
  }

  @Override
  public boolean inputIsItems() {
    return true;
  }

  @Override
  public void checkTarget(Policy.Target target) throws Rejection.Exception {
    for (String system : target.systems().values()) {
      if (!SERVING_SYSTEMS.contains(system)) {
        throw new Rejection.Exception(
            new Rejection(
                400,
                "invalid_request_error",
                "unsupported_api",
                "The model '"
                    + target.requestedModel()
                    + "' is not served on POST /v1/responses: its route sends it to an "
                    + TYPE_NAMES.getOrDefault(system, system)
                    + " provider, to which Tollgate does not yet send the Responses API. Call"
                    + " POST /v1/chat/completions for this model, or use a model whose providers"
                    + " are of type OpenAI, OpenAICompatible or AzureOpenAI.",
                "model"));
      }
    }
  }

  @Override
  public Policy.Target forAttempts(Policy.Target t) {
    if (t.modelPerAttempt() || !t.systems().containsValue(Policy.AZURE_SYSTEM)) {
      return t;
    }
    return t.writingModel(t.upstreamModelRewrite(), true);
  }

  private static RequestBodyParser.InvalidBodyException unsupported(String name, String reason) {
    return new RequestBodyParser.InvalidBodyException(
        "Unsupported parameter: '" + name + "'. " + reason, "unsupported_parameter", name);
  }
}
