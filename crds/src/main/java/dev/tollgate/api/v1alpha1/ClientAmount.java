package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** A named client's own amount of a limit counted per client. */
public class ClientAmount {
  @Required
  @Size(max = 256)
  @JsonPropertyDescription("The client id (a key's tollgate.dev/client label or a JWT's claim).")
  public String client;

  @Required
  @Size(max = 22)
  @Pattern(Api.DECIMAL)
  @JsonPropertyDescription("This client's budget per window, in the limit's unit, as a string.")
  public String amount;
}
