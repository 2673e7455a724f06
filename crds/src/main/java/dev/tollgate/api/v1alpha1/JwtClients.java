package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.ArrayList;
import java.util.List;

/** JWT authentication of a route's clients. */
public class JwtClients {
  @Required
  @Pattern("^https?://\\S+$")
  @JsonPropertyDescription("The required iss claim, e.g. https://auth.example.com.")
  public String issuer;

  @Required
  @Pattern("^https?://\\S+$")
  @JsonPropertyDescription("URL of the issuer's JSON Web Key Set.")
  public String jwksUri;

  @Size(max = 16)
  @JsonPropertyDescription("Accepted aud values; empty accepts any audience.")
  public List<String> audiences = new ArrayList<>();

  @Pattern(Api.CLAIM)
  @JsonPropertyDescription("The claim whose value is the client id. Default sub.")
  public String clientClaim;
}
