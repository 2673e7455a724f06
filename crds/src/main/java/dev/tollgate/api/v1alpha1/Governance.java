package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.LabelSelector;

/** Who may use a provider, and the most sensitive data it is cleared for. */
@ValidationRule(
    value =
        "!has(self.allowedNamespaces) || self.allowedNamespaces != 'Selector' || has(self.namespaceSelector)",
    message = "governance.namespaceSelector is required when allowedNamespaces is Selector",
    fieldPath = ".namespaceSelector")
public class Governance {
  @JsonPropertyDescription(
      "Which namespaces' routes may use this provider: Same (default, only its own namespace),"
          + " All, or Selector (namespaces matching namespaceSelector).")
  public AllowedNamespaces allowedNamespaces;

  @JsonPropertyDescription("Namespaces allowed when allowedNamespaces is Selector.")
  public LabelSelector namespaceSelector;

  @JsonPropertyDescription(
      "The most sensitive data classification this provider is cleared for: Public <"
          + " Internal < Confidential < Restricted. A route carrying a higher classification is"
          + " not accepted. Default: Public.")
  public DataClassification dataClassification;
}
