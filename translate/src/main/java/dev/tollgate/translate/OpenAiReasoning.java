package dev.tollgate.translate;

import static dev.tollgate.translate.AnthropicToOpenAiChat.refuse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Locale;

/**
 * Anthropic's reasoning controls ({@code thinking}, {@code output_config.effort}) and thinking-only
 * context edits ({@code context_management}) for an OpenAI Chat Completions model, which Claude
 * Code sends for every model it is given:
 *
 * <ul>
 *   <li>{@code output_config.effort} becomes {@code reasoning_effort} on a reasoning model ({@code
 *       low}, {@code medium}, {@code high}; {@code max} is {@code high}, the highest value every
 *       OpenAI reasoning model accepts); a model that does not reason has no such setting (OpenAI
 *       refuses {@code reasoning_effort} for it), so it is left out;
 *   <li>{@code thinking} {@code enabled} with {@code budget_tokens} becomes {@code
 *       reasoning_effort} on a reasoning model when no effort is given (under 4,096 tokens {@code
 *       low}, under 16,384 {@code medium}, else {@code high}); {@code adaptive} leaves the model's
 *       own default; on a model that does not reason, thinking is left out: it answers without
 *       thinking blocks, as an Anthropic model may;
 *   <li>{@code context_management} whose every edit only clears thinking blocks ({@code
 *       clear_thinking_*}) is left out: the translated history carries no thinking blocks (earlier
 *       turns' thinking is never sent to OpenAI), so there is nothing to clear and the model sees
 *       the same context. Any other edit (clearing tool results) would change the context and is
 *       refused.
 * </ul>
 */
final class OpenAiReasoning {
  /** Below this thinking budget the effort is {@code low}. */
  static final long LOW_BELOW = 4_096;

  /** Below this thinking budget (and from {@link #LOW_BELOW}) the effort is {@code medium}. */
  static final long MEDIUM_BELOW = 16_384;

  private static final String CLEAR_THINKING = "clear_thinking_";

  private OpenAiReasoning() {}

  /**
   * Whether OpenAI serves this model as a reasoning model (the o-series and the GPT-5 family but
   * its {@code -chat} models): it reads {@code reasoning_effort} and refuses {@code max_tokens}.
   * Other servers' models (OpenAI-compatible, open models) count as not reasoning.
   */
  static boolean reasoningModel(String model) {
    String name = model.toLowerCase(Locale.ROOT);
    int slash = name.lastIndexOf('/');
    if (slash >= 0) {
      name = name.substring(slash + 1);
    }
    if (name.length() >= 2
        && name.charAt(0) == 'o'
        && Character.isDigit(name.charAt(1))
        && (name.length() == 2 || name.charAt(2) == '-')) {
      return true;
    }
    return name.startsWith("gpt-5") && !name.contains("-chat");
  }

  /**
   * Writes {@code reasoning_effort} into {@code out} when the request and the model call for it.
   */
  static void translate(ObjectNode request, ObjectNode out, String upstreamModel)
      throws UntranslatableRequest {
    contextManagement(request.get("context_management"));
    String effort = effort(request.get("output_config"));
    String fromThinking = thinking(request.get("thinking"));
    if (!reasoningModel(upstreamModel)) {
      return;
    }
    String chosen = effort != null ? effort : fromThinking;
    if (chosen != null) {
      out.put("reasoning_effort", chosen);
    }
  }

  private static void contextManagement(JsonNode value) throws UntranslatableRequest {
    if (value == null || value.isNull()) {
      return;
    }
    for (Iterator<String> names = value.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!"edits".equals(name)) {
        throw refuse("context_management." + name, "only thinking-only `edits` can be translated");
      }
    }
    JsonNode edits = value.path("edits");
    if (!value.isObject() || !edits.isArray()) {
      throw refuse("context_management", "`context_management.edits` must be an array");
    }
    for (int i = 0; i < edits.size(); i++) {
      if (!edits.get(i).path("type").asText("").startsWith(CLEAR_THINKING)) {
        throw refuse(
            "context_management.edits[" + i + "]",
            "only edits that clear thinking blocks can be translated (OpenAI is sent none);"
                + " this edit would clear other content");
      }
    }
  }

  private static String effort(JsonNode config) throws UntranslatableRequest {
    if (config == null || config.isNull()) {
      return null;
    }
    if (!config.isObject()) {
      throw refuse("output_config", "`output_config` must be an object");
    }
    for (Iterator<String> names = config.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (!"effort".equals(name)) {
        throw refuse("output_config." + name, "only `output_config.effort` can be translated");
      }
    }
    JsonNode effort = config.get("effort");
    if (effort == null || effort.isNull()) {
      return null;
    }
    return switch (effort.asText("")) {
      case "low" -> "low";
      case "medium" -> "medium";
      case "high", "max" -> "high";
      default ->
          throw refuse("output_config.effort", "`effort` must be `low`, `medium`, `high` or `max`");
    };
  }

  private static String thinking(JsonNode thinking) throws UntranslatableRequest {
    if (thinking == null || thinking.isNull()) {
      return null;
    }
    return switch (thinking.path("type").asText("")) {
      case "disabled", "adaptive" -> null;
      case "enabled" -> {
        JsonNode budget = thinking.get("budget_tokens");
        if (budget == null || !budget.isIntegralNumber() || budget.asLong() < 1) {
          throw refuse("thinking.budget_tokens", "`budget_tokens` must be a positive integer");
        }
        long tokens = budget.asLong();
        yield tokens < LOW_BELOW ? "low" : tokens < MEDIUM_BELOW ? "medium" : "high";
      }
      default ->
          throw refuse(
              "thinking.type", "`thinking.type` must be `enabled`, `adaptive` or `disabled`");
    };
  }
}
