package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

/** Status shared by ModelProvider and AIRoute: Gateway API style conditions. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class ResourceStatus {
  @JsonPropertyDescription(
      "Conditions: Accepted (the spec is valid and allowed), ResolvedRefs (every reference"
          + " resolves), Programmed (the Envoy fleet acknowledged a configuration containing it).")
  public List<Condition> conditions = new ArrayList<>();
}
