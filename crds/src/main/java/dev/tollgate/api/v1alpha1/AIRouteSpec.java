package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

/** Desired state of an AIRoute. */
@ValidationRule(
    value =
        "self.rules.all(r, r.models.all(m, self.rules.filter(o, m in o.models).size() == 1"
            + " && r.models.exists_one(n, n == m)))",
    message = "a model name appears in more than one place: list each model name once per route",
    fieldPath = ".rules")
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
