package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import java.util.ArrayList;
import java.util.List;

/** Anthropic settings: the API version sent upstream and the beta features clients may use. */
public class AnthropicSettings {
  @Pattern("^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
  @JsonPropertyDescription(
      "The anthropic-version header sent when the client sends none. A client's own"
          + " anthropic-version is forwarded. Default: 2023-06-01.")
  public String version;

  @Size(max = 64)
  @JsonPropertyDescription(
      "The anthropic-beta features clients may turn on at this provider, e.g."
          + " prompt-caching-2024-07-31. Other values of a client's anthropic-beta header are"
          + " dropped (under the platform's key a beta may enable APIs Tollgate does not meter)."
          + " Default: none.")
  public List<String> betas = new ArrayList<>();
}
