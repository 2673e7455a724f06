package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** A reference to a ModelProvider, possibly in another namespace. */
public class ProviderReference {
  @Required
  @Pattern(Api.DNS_SUBDOMAIN)
  @JsonPropertyDescription("Name of the ModelProvider.")
  public String name;

  @Pattern(Api.DNS_LABEL)
  @JsonPropertyDescription(
      "Namespace of the ModelProvider. Default: the route's namespace. The provider must allow"
          + " the route's namespace in spec.governance.allowedNamespaces.")
  public String namespace;
}
