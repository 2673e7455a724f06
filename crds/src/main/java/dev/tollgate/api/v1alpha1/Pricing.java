package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** Prices of one model per million tokens, as decimal strings in one currency. */
public class Pricing {
  @Required
  @Pattern("^[A-Z]{3}$")
  @JsonPropertyDescription("ISO 4217 currency code of all prices here, e.g. USD or EUR.")
  public String currency;

  @Required
  @Pattern(Api.DECIMAL)
  @JsonPropertyDescription("Price per million input (prompt) tokens, e.g. \"0.15\".")
  public String inputPerMillion;

  @Required
  @Pattern(Api.DECIMAL)
  @JsonPropertyDescription("Price per million output (completion) tokens, e.g. \"0.60\".")
  public String outputPerMillion;

  @Pattern(Api.DECIMAL)
  @JsonPropertyDescription("Price per million cached input tokens. Default: the input price.")
  public String cachedInputPerMillion;

  @Pattern(Api.DECIMAL)
  @JsonPropertyDescription(
      "Price per million input tokens written to the provider's prompt cache (Anthropic's"
          + " cache_creation_input_tokens). Default: the input price.")
  public String cacheWriteInputPerMillion;
}
