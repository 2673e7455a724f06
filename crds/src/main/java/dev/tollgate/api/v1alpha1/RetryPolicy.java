package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import java.util.ArrayList;
import java.util.List;

/** When and how often to retry a failed upstream attempt. */
public class RetryPolicy {
  @Min(0)
  @Max(10)
  @JsonPropertyDescription("Retries after the first attempt. Default 2; 0 disables retries.")
  public Integer attempts;

  @Size(max = 3)
  @JsonPropertyDescription(
      "Conditions that trigger a retry: RateLimited (429), ServerError (5xx), ConnectFailure."
          + " Default: all three. (Not named `on`: YAML 1.1 parsers, kubectl's among them, read"
          + " an unquoted key `on` as the boolean true.)")
  public List<RetryOn> conditions = new ArrayList<>();

  @Pattern(Api.DURATION)
  @JsonPropertyDescription("Timeout of each attempt. Default: none beyond the rule's timeout.")
  public String perTryTimeout;
}
