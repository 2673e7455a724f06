package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;

/** Where a provider is reached: exactly one of a URL or an in-cluster Service. */
@ValidationRule(
    value = "has(self.url) != has(self.service)",
    message = "set exactly one of endpoint.url and endpoint.service")
public class Endpoint {
  @Pattern("^https?://[^/?#\\s]+(/[^?#\\s]*)?$")
  @JsonPropertyDescription(
      "Base URL, e.g. https://api.openai.com or http://vllm.models:8000. An https URL gets TLS"
          + " with SNI and validation against the system CA bundle. A path, if any, is prefixed"
          + " to request paths.")
  public String url;

  @JsonPropertyDescription("An in-cluster Service, reached over plain HTTP unless tls is true.")
  public ServiceReference service;
}
