package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** One backend of a rule: a provider and the model to ask it for. */
public class Backend {
  @Required
  @JsonPropertyDescription("The ModelProvider serving this backend.")
  public ProviderReference provider;

  @Required
  @Pattern(Api.MODEL_NAME)
  @JsonPropertyDescription("The model name sent upstream; must be one of the provider's models.")
  public String model;

  @Min(0)
  @Max(10000)
  @JsonPropertyDescription(
      "Relative share of traffic among backends of the same priority. Default 1.")
  public Integer weight;

  @Min(0)
  @Max(8)
  @JsonPropertyDescription("Fallback tier: 0 serves first, 1 when 0 fails, and so on. Default 0.")
  public Integer priority;
}
