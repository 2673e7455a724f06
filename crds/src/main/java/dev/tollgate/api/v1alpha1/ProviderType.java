package dev.tollgate.api.v1alpha1;

/** The API a ModelProvider speaks. */
public enum ProviderType {
  /** api.openai.com and its API. */
  OpenAI,
  /** Azure OpenAI: deployment paths, an api-version query parameter, the api-key header. */
  AzureOpenAI,
  /** Any server speaking the OpenAI API: vLLM, Ollama, Groq, Mistral, Together and others. */
  OpenAICompatible,
  /**
   * Anthropic's Messages API: {@code /v1/messages}, the key in {@code x-api-key}, an {@code
   * anthropic-version} header; default endpoint https://api.anthropic.com.
   */
  Anthropic
}
