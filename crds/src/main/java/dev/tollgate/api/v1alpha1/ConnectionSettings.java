package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;

/** Connection settings of a provider's Envoy cluster. */
public class ConnectionSettings {
  @Pattern(Api.DURATION)
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
