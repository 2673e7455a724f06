package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** Azure OpenAI settings. */
public class AzureSettings {
  @Required
  @Pattern("^[0-9]{4}-[0-9]{2}-[0-9]{2}(-preview)?$")
  @JsonPropertyDescription("The api-version query parameter sent with every call, e.g. 2024-10-21.")
  public String apiVersion;
}
