package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/**
 * A cheaper tier a rule's models fall to when a budget runs low: the requests are served by the
 * rule that serves {@link #model} instead of being refused (docs/governance.md, "Tiered use").
 */
public class TierFallback {
  @Required
  @Size(max = 128)
  @Pattern(Api.MODEL_NAME)
  @JsonPropertyDescription(
      "A model name another rule of this AIRoute serves, e.g. fast: requests fall to that rule's"
          + " backends, whose own budgets still apply.")
  public String model;

  @JsonPropertyDescription(
      "When to fall: Warn (default) once a budget of the request is past its warnAtPercent or"
          + " cannot hold the request, Exhausted only when an enforced budget cannot hold it.")
  public TierTrigger when;
}
