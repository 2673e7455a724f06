package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The state of one limit of a TokenQuota, from its busiest bucket, for kubectl describe. */
public class LimitState {
  @JsonPropertyDescription("Name of the limit in spec.limits.")
  public String name;

  @JsonPropertyDescription(
      "Ok, Warning (its busiest bucket is past warnAtPercent) or Exhausted (a bucket has no"
          + " budget left in its window).")
  public String state;

  @JsonPropertyDescription("Its busiest bucket, e.g. 'namespace=team-a,client=ci'.")
  public String busiestBucket;

  @JsonPropertyDescription("Percent of the busiest bucket's amount used and reserved.")
  public Long percentUsed;

  @JsonPropertyDescription("Buckets of this limit past warnAtPercent, exhausted ones included.")
  public Integer bucketsPastWarn;

  @JsonPropertyDescription("Buckets of this limit with no budget left in their window.")
  public Integer bucketsExhausted;
}
