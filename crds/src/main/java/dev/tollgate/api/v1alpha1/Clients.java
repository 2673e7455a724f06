package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.ValidationRule;

/** The callers of a route. */
@ValidationRule(
    value = "has(self.apiKeys) || has(self.jwt)",
    message = "set clients.apiKeys, clients.jwt, or both")
public class Clients {
  @JsonPropertyDescription(
      "API keys from labelled Secrets in the route's namespace; each Secret is one client.")
  public ApiKeyClients apiKeys;

  @JsonPropertyDescription("JSON Web Tokens from an issuer; a claim names the client.")
  public JwtClients jwt;
}
