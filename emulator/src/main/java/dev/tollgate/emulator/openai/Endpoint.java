package dev.tollgate.emulator.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Optional;

/** The model endpoints both OpenAI and Azure OpenAI serve, by the path after the API's base. */
enum Endpoint {
  CHAT("/chat/completions", ModelKind.CHAT),
  COMPLETIONS("/completions", ModelKind.COMPLETION),
  EMBEDDINGS("/embeddings", ModelKind.EMBEDDING),
  RESPONSES("/responses", ModelKind.CHAT);

  private static final ObjectMapper JSON = new ObjectMapper();

  final String suffix;
  final ModelKind kind;

  Endpoint(String suffix, ModelKind kind) {
    this.suffix = suffix;
    this.kind = kind;
  }

  /** Returns the endpoint a path (after the base, e.g. after {@code /v1}) names, if any. */
  static Optional<Endpoint> of(String rest) {
    for (Endpoint endpoint : values()) {
      if (endpoint.suffix.equals(rest)) {
        return Optional.of(endpoint);
      }
    }
    return Optional.empty();
  }

  /** Parses a body as OpenAI does: anything but a JSON object is unparsable. */
  static Optional<ObjectNode> parse(byte[] body) {
    try {
      JsonNode node = JSON.readTree(body);
      return node != null && node.isObject() ? Optional.of((ObjectNode) node) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** Returns the refusal of a model of another kind, as OpenAI words it on this endpoint. */
  Optional<OpenAiError> refuseKind(EmulatedModel model) {
    if (model.kind() == kind) {
      return Optional.empty();
    }
    return Optional.of(
        switch (this) {
          case CHAT, RESPONSES -> OpenAiError.notAChatModel();
          case COMPLETIONS -> OpenAiError.chatModelOnCompletions();
          case EMBEDDINGS -> OpenAiError.notAnEmbeddingModel(model.name());
        });
  }

  /** Returns the refusal of a body this endpoint does not accept, if any. */
  Optional<OpenAiError> check(ObjectNode body) {
    return switch (this) {
      case CHAT -> ChatCompletions.check(body);
      case COMPLETIONS -> TextCompletions.check(body);
      case EMBEDDINGS -> Embeddings.check(body);
      case RESPONSES -> Responses.check(body);
    };
  }

  /** Answers an accepted call. */
  void answer(Call call) throws IOException {
    switch (this) {
      case CHAT -> ChatCompletions.answer(call);
      case COMPLETIONS -> TextCompletions.answer(call);
      case EMBEDDINGS -> Embeddings.answer(call);
      case RESPONSES -> Responses.answer(call);
    }
  }
}
