package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;

/** Outlier detection: eject hosts that keep failing. */
public class OutlierDetectionSettings {
  @Min(1)
  @Max(1000)
  @JsonPropertyDescription(
      "Consecutive 5xx answers (or connect failures) before ejection. Default 5.")
  public Integer consecutive5xx;

  @Pattern(Api.DURATION)
  @JsonPropertyDescription(
      "Base ejection time, multiplied by the number of ejections. Default 30s.")
  public String baseEjectionTime;

  @Min(1)
  @Max(100)
  @JsonPropertyDescription("Most hosts ejected at once, in percent. Default 100.")
  public Integer maxEjectionPercent;
}
