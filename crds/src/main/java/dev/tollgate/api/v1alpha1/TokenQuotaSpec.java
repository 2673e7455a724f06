package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

/** Desired state of a TokenQuota. */
@ValidationRule(
    value = "self.limits.all(l, self.limits.exists_one(o, o.name == l.name))",
    message = "spec.limits[].name must be unique",
    fieldPath = ".limits")
public class TokenQuotaSpec {
  @Size(max = 32)
  @JsonPropertyDescription(
      "Names of the AIRoutes in this namespace the budgets apply to. Empty: all of them.")
  public List<@Size(max = 253) @Pattern(Api.DNS_SUBDOMAIN) String> routes = new ArrayList<>();

  @Required
  @Size(min = 1, max = 16)
  @JsonPropertyDescription("The budgets. A request must fit every matching one.")
  public List<QuotaLimit> limits = new ArrayList<>();

  @JsonPropertyDescription(
      "Enforce (default) rejects a request over budget with 429; Warn lets it pass, marks the"
          + " response with x-tollgate-quota-warning, counts and logs the crossing.")
  public QuotaMode mode;

  @Min(1)
  @Max(100)
  @JsonPropertyDescription(
      "Percent of a budget at which responses start to carry a warning header. Default 80.")
  public Integer warnAtPercent;

  @Pattern(Api.TIME_ZONE)
  @JsonPropertyDescription(
      "IANA time zone in which day and Month windows start, e.g. Europe/Berlin. Default UTC.")
  public String timeZone;
}
