package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The usage of one budget bucket as reported in TokenQuota status. */
public class BucketUsage {
  @JsonPropertyDescription("Name of the limit in spec.limits this bucket belongs to.")
  public String limit;

  @JsonPropertyDescription(
      "The bucket: the values of the limit's 'per' dimensions, e.g. 'client=alice,model=fast'.")
  public String bucket;

  @JsonPropertyDescription("Amount used in the current window (tokens, requests or currency).")
  public String used;

  @JsonPropertyDescription("Amount left in the current window.")
  public String remaining;

  @JsonPropertyDescription("When the current window ends, RFC 3339.")
  public String resetsAt;

  @JsonPropertyDescription("Percent of the bucket's amount used and reserved, rounded down.")
  public Long percentUsed;

  @JsonPropertyDescription(
      "Requests of tiered rules that fell to their cheaper tier because of this bucket, in this"
          + " window.")
  public Long downgraded;
}
