package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

/** Requested model names and the backends that serve them. */
@ValidationRule(
    value =
        "size(self.backends) == 0 || self.backends.exists(b, (has(b.weight) ? b.weight : 1) > 0"
            + " && (has(b.priority) ? b.priority : 0)"
            + " == self.backends.map(x, has(x.priority) ? x.priority : 0).min())",
    message = "every backend of the first priority has weight 0: give one a weight above 0",
    fieldPath = ".backends")
public class RouteRule {
  @Required
  @Size(min = 1, max = 16)
  @JsonPropertyDescription(
      "Model names clients request, including aliases such as fast or smart. Unique within the"
          + " namespace across all AIRoutes.")
  public List<@Size(max = 128) @Pattern(Api.MODEL_NAME) String> models = new ArrayList<>();

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

  @Min(1)
  @Max(10_000_000)
  @JsonPropertyDescription(
      "Output tokens reserved against budgets, per choice, for a request that sets no output cap"
          + " (max_tokens, max_completion_tokens, max_output_tokens). The cap written upstream"
          + " stays the gateway's default (4096, within the context window), so such a request"
          + " can use at most that cap minus this reserve more than it reserved; the commit"
          + " charges what it used. Default: sized from the model's recent completions (their"
          + " 99th percentile), the written cap until 20 have been seen.")
  public Integer reserveOutputTokens;

  @JsonPropertyDescription(
      "A cheaper tier to fall to, instead of 429, when a budget of these models runs low.")
  public TierFallback tier;
}
