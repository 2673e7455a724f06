package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** One model a provider offers. */
public class ProviderModel {
  @Required
  @Size(max = 128)
  @Pattern(Api.MODEL_NAME)
  @JsonPropertyDescription("The model's name at the provider, e.g. gpt-4o-mini.")
  public String name;

  @Pattern(Api.DEPLOYMENT)
  @JsonPropertyDescription(
      "AzureOpenAI only: the deployment serving this model (the path segment in"
          + " /openai/deployments/{deployment}/...). Default: the model name.")
  public String deployment;

  @Min(1)
  @Max(100000000)
  @JsonPropertyDescription("Context window in tokens; used to cap reservations.")
  public Long contextWindow;

  @JsonPropertyDescription("Prices, used for cost budgets and reported cost.")
  public Pricing pricing;
}
