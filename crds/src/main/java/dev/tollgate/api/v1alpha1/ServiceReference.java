package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** A Kubernetes Service in the provider's namespace. */
public class ServiceReference {
  @Required
  @Pattern(Api.DNS_LABEL)
  @JsonPropertyDescription("Name of the Service, in the provider's namespace.")
  public String name;

  @Required
  @Min(1)
  @Max(65535)
  @JsonPropertyDescription("Port of the Service.")
  public Integer port;

  @JsonPropertyDescription(
      "Connect with TLS (SNI = the Service's cluster DNS name). Default false.")
  public Boolean tls;
}
