package dev.tollgate.emulator.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.emulator.DemoText;
import java.io.IOException;
import java.util.Optional;

/**
 * {@code POST /v1/responses}, the Responses API: a {@code response} object with one assistant
 * message, or the event stream {@code response.created}, {@code response.in_progress}, {@code
 * response.output_item.added}, {@code response.content_part.added}, {@code
 * response.output_text.delta} (one per word), {@code response.output_text.done}, {@code
 * response.content_part.done}, {@code response.output_item.done}, {@code response.completed}, each
 * {@code event:} + {@code data:} with a {@code sequence_number}, and no {@code [DONE]}. Usage is
 * {@code input_tokens} (with {@code input_tokens_details.cached_tokens}), {@code output_tokens}
 * (with {@code output_tokens_details.reasoning_tokens}) and {@code total_tokens}.
 */
final class Responses {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Responses() {}

  /** Returns the refusal of a body this endpoint does not accept, if any. */
  static Optional<OpenAiError> check(ObjectNode body) {
    JsonNode input = body.get("input");
    if (input == null) {
      return Optional.of(OpenAiError.missingParameter("input"));
    }
    if (!input.isTextual() && !input.isArray()) {
      return Optional.of(
          OpenAiError.invalidType("input", "a string or array", ChatCompletions.jsonType(input)));
    }
    return Optional.empty();
  }

  /** Answers an accepted call. */
  static void answer(Call call) throws IOException {
    ObjectNode body = call.body();
    int inputTokens = Call.contentTokens(body.get("instructions"));
    JsonNode input = body.get("input");
    if (input.isTextual()) {
      inputTokens += DemoText.tokens(input.asText());
    } else {
      for (JsonNode item : input) {
        inputTokens += 4 + Call.contentTokens(item.get("content"));
      }
    }
    int outputTokens = call.outputTokens("max_output_tokens");
    boolean incomplete = outputTokens < call.words();
    Usage usage = new Usage(inputTokens, call.cachedTokens(inputTokens), outputTokens);
    String text = DemoText.text(outputTokens);
    if (body.path("stream").asBoolean(false)) {
      stream(call, usage, incomplete);
      return;
    }
    call.sendJson(
        response(
            call,
            incomplete ? "incomplete" : "completed",
            message(call, text, incomplete ? "incomplete" : "completed"),
            usage,
            incomplete));
  }

  private static void stream(Call call, Usage usage, boolean incomplete) throws IOException {
    call.reply().startStream("text/event-stream; charset=utf-8");
    String itemId = call.id("msg_");
    int[] sequence = {0};
    ObjectNode started = response(call, "in_progress", null, null, false);
    emit(call, sequence, "response.created", e -> e.set("response", started));
    emit(call, sequence, "response.in_progress", e -> e.set("response", started));
    ObjectNode item = JSON.createObjectNode().put("id", itemId).put("type", "message");
    item.put("status", "in_progress").putArray("content");
    item.put("role", "assistant");
    emit(
        call,
        sequence,
        "response.output_item.added",
        e -> e.put("output_index", 0).set("item", item));
    emit(
        call,
        sequence,
        "response.content_part.added",
        e -> part(e, itemId).set("part", outputText("")));
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < usage.output(); i++) {
      String piece = DemoText.piece(i);
      text.append(piece);
      emit(
          call,
          sequence,
          "response.output_text.delta",
          e -> {
            part(e, itemId).put("delta", piece).putArray("logprobs");
            e.put("obfuscation", Streams.obfuscation(piece));
          });
    }
    String full = text.toString();
    emit(
        call,
        sequence,
        "response.output_text.done",
        e -> part(e, itemId).put("text", full).putArray("logprobs"));
    emit(
        call,
        sequence,
        "response.content_part.done",
        e -> part(e, itemId).set("part", outputText(full)));
    String status = incomplete ? "incomplete" : "completed";
    ObjectNode done = message(call, full, status);
    emit(
        call,
        sequence,
        "response.output_item.done",
        e -> e.put("output_index", 0).set("item", done));
    ObjectNode finished = response(call, status, done, usage, incomplete);
    emit(
        call,
        sequence,
        incomplete ? "response.incomplete" : "response.completed",
        e -> e.set("response", finished));
  }

  private interface EventBody {
    void fill(ObjectNode event);
  }

  private static void emit(Call call, int[] sequence, String type, EventBody body)
      throws IOException {
    ObjectNode event = JSON.createObjectNode().put("type", type);
    event.put("sequence_number", sequence[0]++);
    body.fill(event);
    Streams.event(call.reply(), type, event);
  }

  private static ObjectNode part(ObjectNode event, String itemId) {
    return event.put("item_id", itemId).put("output_index", 0).put("content_index", 0);
  }

  private static ObjectNode outputText(String text) {
    ObjectNode part = JSON.createObjectNode().put("type", "output_text");
    part.putArray("annotations");
    part.putArray("logprobs");
    return part.put("text", text);
  }

  private static ObjectNode message(Call call, String text, String status) {
    ObjectNode item = JSON.createObjectNode().put("id", call.id("msg_")).put("type", "message");
    item.put("status", status).putArray("content").add(outputText(text));
    return item.put("role", "assistant");
  }

  /** The response object; {@code output} and {@code usage} are empty/null while in progress. */
  private static ObjectNode response(
      Call call, String status, ObjectNode message, Usage usage, boolean incomplete) {
    ObjectNode body = call.body();
    ObjectNode response =
        JSON.createObjectNode()
            .put("id", call.id("resp_"))
            .put("object", "response")
            .put("created_at", call.created())
            .put("status", status)
            .put("background", false)
            .putNull("error");
    if (incomplete) {
      response.putObject("incomplete_details").put("reason", "max_output_tokens");
    } else {
      response.putNull("incomplete_details");
    }
    response.set(
        "instructions",
        body.path("instructions").isMissingNode() ? JSON.nullNode() : body.get("instructions"));
    response.set("max_output_tokens", orNull(body, "max_output_tokens"));
    response.putNull("max_tool_calls");
    response.put("model", call.model());
    if (message == null) {
      response.putArray("output");
    } else {
      response.putArray("output").add(message);
    }
    response.put("parallel_tool_calls", body.path("parallel_tool_calls").asBoolean(true));
    response.set("previous_response_id", orNull(body, "previous_response_id"));
    response.putNull("prompt_cache_key");
    response.putObject("reasoning").putNull("effort").putNull("summary");
    response.putNull("safety_identifier");
    response.put("service_tier", "default");
    response.put("store", body.path("store").asBoolean(true));
    response.put("temperature", body.path("temperature").asDouble(1.0));
    ObjectNode text = response.putObject("text");
    text.putObject("format").put("type", "text");
    text.put("verbosity", "medium");
    response.put("tool_choice", "auto");
    response.putArray("tools");
    response.put("top_logprobs", 0);
    response.put("top_p", body.path("top_p").asDouble(1.0));
    response.put("truncation", "disabled");
    if (usage == null) {
      response.putNull("usage");
    } else {
      ObjectNode u = response.putObject("usage").put("input_tokens", usage.input());
      u.putObject("input_tokens_details").put("cached_tokens", usage.cached());
      u.put("output_tokens", usage.output());
      u.putObject("output_tokens_details").put("reasoning_tokens", 0);
      u.put("total_tokens", usage.input() + usage.output());
    }
    response.set("user", orNull(body, "user"));
    response.set(
        "metadata",
        body.path("metadata").isObject() ? body.get("metadata") : JSON.createObjectNode());
    return response;
  }

  private static JsonNode orNull(ObjectNode body, String field) {
    JsonNode value = body.get(field);
    return value == null ? JSON.nullNode() : value;
  }

  /** Token counts of one response. */
  private record Usage(int input, int cached, int output) {}
}
