package dev.tollgate.emulator.openai;

/**
 * A model an OpenAI emulator serves.
 *
 * @param name the id clients send as {@code model} (on Azure: the deployment's model)
 * @param kind which endpoints answer it
 */
public record EmulatedModel(String name, ModelKind kind) {
  /** A model whose kind is guessed from its name ({@link ModelKind#guess}). */
  public static EmulatedModel named(String name) {
    return new EmulatedModel(name, ModelKind.guess(name));
  }
}
