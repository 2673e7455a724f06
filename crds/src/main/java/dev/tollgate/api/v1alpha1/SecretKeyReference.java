package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** A reference to a Secret key in the referring resource's namespace. */
public class SecretKeyReference {
  @Required
  @Pattern(Api.DNS_SUBDOMAIN)
  @JsonPropertyDescription("Name of the Secret, in the same namespace as the resource.")
  public String name;

  @Pattern(Api.SECRET_KEY)
  @JsonPropertyDescription("Key inside the Secret's data. Default: apiKey.")
  public String key;
}
