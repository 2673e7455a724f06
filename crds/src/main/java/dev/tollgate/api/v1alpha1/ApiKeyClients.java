package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.kubernetes.api.model.LabelSelector;

/** Client API keys held in Secrets selected by label. */
public class ApiKeyClients {
  @Required
  @JsonPropertyDescription(
      "Selects the Secrets in the route's namespace that hold client keys. Each Secret is one"
          + " client; its id is the label tollgate.dev/client, or else the Secret's name.")
  public LabelSelector secretSelector;

  @Pattern(Api.SECRET_KEY)
  @JsonPropertyDescription("Key inside each Secret's data that holds the API key. Default apiKey.")
  public String key;
}
