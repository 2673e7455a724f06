package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.ArrayList;
import java.util.List;

/** Requested model names and the backends that serve them. */
public class RouteRule {
  @Required
  @Size(min = 1, max = 16)
  @JsonPropertyDescription(
      "Model names clients request, including aliases such as fast or smart. Unique within the"
          + " namespace across all AIRoutes.")
  public List<String> models = new ArrayList<>();

  @Required
  @Size(min = 1, max = 16)
  @JsonPropertyDescription(
      "Backends. Those with the lowest priority share traffic by weight; higher priorities are"
          + " fallbacks tried in order when the lower ones fail.")
  public List<Backend> backends = new ArrayList<>();

  @JsonPropertyDescription("Retries; by default two retries on 429, 5xx and connect failure.")
  public RetryPolicy retry;

  @Pattern(Api.DURATION)
  @JsonPropertyDescription(
      "Whole-request timeout including retries; streams count until their last byte."
          + " Default 300s.")
  public String timeout;
}
