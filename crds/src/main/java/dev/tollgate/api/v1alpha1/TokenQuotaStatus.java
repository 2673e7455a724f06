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

  @JsonPropertyDescription(
      "How many namespaces the quota covers: those its namespaceSelector matches for a platform"
          + " quota, 1 for a team quota.")
  public Integer namespaces;

  @JsonPropertyDescription(
      "The three busiest buckets with their percent used, e.g. 'namespace=team-a 92%,"
          + " namespace=team-b 40%'.")
  public String busiestBuckets;

  @JsonPropertyDescription(
      "Requests of tiered AIRoute rules that fell to their cheaper tier because of this quota's"
          + " buckets in their current windows.")
  public Long downgraded;

  @JsonPropertyDescription("The state of each limit, from the buckets read, in spec order.")
  public List<LimitState> limits = new ArrayList<>();
}
