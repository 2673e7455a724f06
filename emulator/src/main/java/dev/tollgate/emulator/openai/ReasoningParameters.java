package dev.tollgate.emulator.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Chat Completions' parameters that depend on whether the model reasons, refused as OpenAI refuses
 * them: a reasoning model (OpenAI's o-series, {@code o1}, {@code o3}, {@code o4-mini}, and the
 * GPT-5 family but its {@code -chat} models) refuses {@code max_tokens} ("Use
 * 'max_completion_tokens' instead."), a {@code temperature} other than 1 and a {@code
 * reasoning_effort} it does not offer; any other model refuses {@code reasoning_effort}. The
 * messages are OpenAI's, {@code unsupported_parameter} / {@code unsupported_value}.
 */
final class ReasoningParameters {
  private static final List<String> O_SERIES_EFFORTS = List.of("low", "medium", "high");
  private static final List<String> GPT5_EFFORTS = List.of("minimal", "low", "medium", "high");

  private ReasoningParameters() {}

  /** Returns the refusal of a Chat Completions body for this model, if any. */
  static Optional<OpenAiError> check(String model, ObjectNode body) {
    Optional<List<String>> efforts = effortsOf(model);
    JsonNode effort = body.get("reasoning_effort");
    if (efforts.isEmpty()) {
      return effort == null ? Optional.empty() : Optional.of(unsupported("reasoning_effort", ""));
    }
    if (body.has("max_tokens")) {
      return Optional.of(unsupported("max_tokens", " Use 'max_completion_tokens' instead."));
    }
    JsonNode temperature = body.get("temperature");
    if (temperature != null && temperature.isNumber() && temperature.asDouble() != 1.0) {
      return Optional.of(
          unsupportedValue(
              "temperature",
              "Unsupported value: 'temperature' does not support "
                  + temperature.asText()
                  + " with this model. Only the default (1) value is supported."));
    }
    if (effort != null && !efforts.get().contains(effort.asText())) {
      return Optional.of(
          unsupportedValue(
              "reasoning_effort",
              "Unsupported value: 'reasoning_effort' does not support '"
                  + effort.asText()
                  + "' with this model. Supported values are: "
                  + quoted(efforts.get())
                  + "."));
    }
    return Optional.empty();
  }

  /** The efforts a reasoning model offers, or empty for a model that does not reason. */
  private static Optional<List<String>> effortsOf(String model) {
    String name = model.toLowerCase(Locale.ROOT);
    if (name.matches("o[0-9](-.*)?")) {
      return Optional.of(O_SERIES_EFFORTS);
    }
    if (name.startsWith("gpt-5") && !name.contains("-chat")) {
      return Optional.of(GPT5_EFFORTS);
    }
    return Optional.empty();
  }

  private static OpenAiError unsupported(String param, String advice) {
    return new OpenAiError(
        400,
        "Unsupported parameter: '" + param + "' is not supported with this model." + advice,
        "invalid_request_error",
        param,
        "unsupported_parameter",
        false);
  }

  private static OpenAiError unsupportedValue(String param, String message) {
    return new OpenAiError(
        400, message, "invalid_request_error", param, "unsupported_value", false);
  }

  private static String quoted(List<String> values) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < values.size(); i++) {
      if (i > 0) {
        out.append(i == values.size() - 1 ? ", and " : ", ");
      }
      out.append('\'').append(values.get(i)).append('\'');
    }
    return out.toString();
  }
}
