package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.ArrayList;
import java.util.List;

/** Desired state of an AIRoute. */
public class AIRouteSpec {
  @Required
  @JsonPropertyDescription("Who may call this route: API keys, JWTs, or both.")
  public Clients clients;

  @Required
  @Size(min = 1, max = 32)
  @JsonPropertyDescription("Requested model names and the backends that serve them.")
  public List<RouteRule> rules = new ArrayList<>();

  @JsonPropertyDescription(
      "The most sensitive data this route's traffic carries: Public, Internal, Confidential or"
          + " Restricted. Every backend's provider must be cleared for it. Default: Public.")
  public DataClassification dataClassification;
}
