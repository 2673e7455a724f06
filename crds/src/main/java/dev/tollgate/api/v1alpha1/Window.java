package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Budget windows. */
public enum Window {
  /** One minute. */
  @JsonProperty("1m")
  MINUTE,
  /** One hour. */
  @JsonProperty("1h")
  HOUR,
  /** One day, starting at 00:00 in the quota's time zone. */
  @JsonProperty("1d")
  DAY,
  /** A calendar month, starting at 00:00 on the 1st in the quota's time zone. */
  @JsonProperty("Month")
  MONTH
}
