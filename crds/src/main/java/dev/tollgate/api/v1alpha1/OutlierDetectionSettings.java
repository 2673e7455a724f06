package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** Outlier detection: eject hosts that keep failing. */
@ValidationRule(
    value =
        "!has(self.baseEjectionTime) || !self.baseEjectionTime.matches(r'"
            + Api.DURATION
            + "') || duration(self.baseEjectionTime) > duration('0s')",
    message = "baseEjectionTime must be more than 0",
    fieldPath = ".baseEjectionTime")
public class OutlierDetectionSettings {
  @Min(1)
  @Max(1000)
  @JsonPropertyDescription(
      "Consecutive 5xx answers (or connect failures) before ejection. Default 5.")
  public Integer consecutive5xx;

  @Pattern(Api.DURATION)
  @Size(max = 8)
  @JsonPropertyDescription(
      "Base ejection time, multiplied by the number of ejections. Default 30s.")
  public String baseEjectionTime;

  @Min(1)
  @Max(100)
  @JsonPropertyDescription("Most hosts ejected at once, in percent. Default 100.")
  public Integer maxEjectionPercent;
}
