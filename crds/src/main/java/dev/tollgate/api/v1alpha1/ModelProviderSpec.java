package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

/** Desired state of a ModelProvider. */
@ValidationRule(
    value = "self.type == 'AzureOpenAI' ? has(self.azure) : !has(self.azure)",
    message = "spec.azure is required when type is AzureOpenAI and not allowed otherwise",
    fieldPath = ".azure")
@ValidationRule(
    value = "self.models.all(m, self.models.exists_one(n, n.name == m.name))",
    message = "spec.models[].name must be unique",
    fieldPath = ".models")
@ValidationRule(
    value = "self.type == 'AzureOpenAI' || self.models.all(m, !has(m.deployment))",
    message = "spec.models[].deployment is only used by AzureOpenAI providers",
    fieldPath = ".models")
@ValidationRule(
    value = "self.type == 'OpenAICompatible' || !has(self.openAICompatible)",
    message = "spec.openAICompatible is only allowed when type is OpenAICompatible",
    fieldPath = ".openAICompatible")
@ValidationRule(
    value = "self.type == 'Anthropic' || has(self.endpoint)",
    message = "spec.endpoint is required unless type is Anthropic",
    fieldPath = ".endpoint")
@ValidationRule(
    value = "self.type == 'Anthropic' || !has(self.anthropic)",
    message = "spec.anthropic is only allowed when type is Anthropic",
    fieldPath = ".anthropic")
public class ModelProviderSpec {
  @Required
  @JsonPropertyDescription(
      "The API the provider speaks: OpenAI, AzureOpenAI, OpenAICompatible (vLLM, Ollama,"
          + " Groq, Mistral, Together, any server speaking the OpenAI API), or Anthropic"
          + " (the Messages API).")
  public ProviderType type;

  @JsonPropertyDescription(
      "Where the provider is reached: a URL or an in-cluster Service. Required, except for"
          + " Anthropic, whose default is https://api.anthropic.com.")
  public Endpoint endpoint;

  @JsonPropertyDescription("Settings only Anthropic uses.")
  public AnthropicSettings anthropic;

  @JsonPropertyDescription("Settings only AzureOpenAI uses; required for that type.")
  public AzureSettings azure;

  @JsonPropertyDescription(
      "Settings only OpenAICompatible uses: the API's path and the key's header and scheme.")
  public OpenAICompatibleSettings openAICompatible;

  @JsonPropertyDescription(
      "The Secret holding the provider's API key. Envoy receives it only through SDS and"
          + " injects it upstream in the header the provider type expects (Authorization: Bearer"
          + " for OpenAI and OpenAICompatible unless openAICompatible names another, api-key for"
          + " AzureOpenAI, x-api-key for Anthropic). Omit it for providers"
          + " that need no key.")
  public SecretKeyReference credentials;

  @Required
  @Size(min = 1, max = 128)
  @JsonPropertyDescription("The models this provider offers, with their prices.")
  public List<ProviderModel> models = new ArrayList<>();

  @JsonPropertyDescription("Who may use this provider and for which data.")
  public Governance governance;

  @JsonPropertyDescription("Timeouts, connection limits and outlier detection.")
  public ConnectionSettings connection;
}
