package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;

/** Status of a TokenQuota: conditions plus the usage of its busiest buckets. */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public class TokenQuotaStatus extends ResourceStatus {
  @JsonPropertyDescription(
      "One line summary of the busiest bucket, e.g. '72% of tokens-per-day (team-a/alice)'.")
  public String busiest;

  @JsonPropertyDescription("Current usage of the busiest buckets, at most 10, busiest first.")
  public List<BucketUsage> usage = new ArrayList<>();
}
