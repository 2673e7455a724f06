package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** Connection settings of a provider's Envoy cluster. */
@ValidationRule(
    value =
        "!has(self.connectTimeout) || !self.connectTimeout.matches(r'"
            + Api.DURATION
            + "') || duration(self.connectTimeout) > duration('0s')",
    message = "connectTimeout must be more than 0",
    fieldPath = ".connectTimeout")
public class ConnectionSettings {
  @Pattern(Api.DURATION)
  @Size(max = 8)
  @JsonPropertyDescription("TCP (and TLS) connect timeout. Default 5s.")
  public String connectTimeout;

  @Min(1)
  @Max(1000000)
  @JsonPropertyDescription("Most requests in flight to this provider at once. Default 1024.")
  public Integer maxConcurrentRequests;

  @JsonPropertyDescription(
      "Eject a failing provider host for a while. Off unless set; on by default with"
          + " consecutive5xx 5 when the provider is used as a fallback target.")
  public OutlierDetectionSettings outlierDetection;
}
