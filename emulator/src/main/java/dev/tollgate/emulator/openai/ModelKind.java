package dev.tollgate.emulator.openai;

import java.util.Locale;

/** Which endpoints an emulated model answers; a model of another kind is refused as OpenAI does. */
public enum ModelKind {
  /** Chat Completions and Responses (e.g. {@code gpt-4o-mini}). */
  CHAT,
  /** The legacy Completions endpoint (e.g. {@code gpt-3.5-turbo-instruct}, {@code babbage-002}). */
  COMPLETION,
  /** Embeddings (e.g. {@code text-embedding-3-small}). */
  EMBEDDING;

  /**
   * Guesses the kind from the name, for models declared only by name: {@code embed} anywhere makes
   * an embedding model; OpenAI's {@code gpt-*-instruct}, {@code babbage} or {@code davinci} a
   * completion model; anything else a chat model, open models named {@code *-instruct} (e.g. {@code
   * llama-3.1-8b-instruct}, which vLLM serves on Chat Completions) included.
   */
  public static ModelKind guess(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    if (lower.contains("embed")) {
      return EMBEDDING;
    }
    if ((lower.startsWith("gpt-") && lower.contains("instruct"))
        || lower.contains("babbage")
        || lower.contains("davinci")) {
      return COMPLETION;
    }
    return CHAT;
  }
}
