package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.LabelSelector;
import java.util.ArrayList;
import java.util.List;

/** Desired state of a TokenQuota. */
@ValidationRule(
    value = "self.limits.all(l, self.limits.exists_one(o, o.name == l.name))",
    message = "spec.limits[].name must be unique",
    fieldPath = ".limits")
@ValidationRule(
    value = "!has(self.namespaceSelector) || !has(self.routes) || size(self.routes) == 0",
    message = "spec.routes is not allowed with spec.namespaceSelector",
    fieldPath = ".routes")
public class TokenQuotaSpec {
  @JsonPropertyDescription(
      "Platform quotas only: the namespaces whose AIRoutes the budgets apply to ({} for every"
          + " namespace), counted per namespace. Honoured only in a platform namespace (operator"
          + " setting --platform-namespaces; chart: platformNamespaces, default the release"
          + " namespace). Without it the quota applies in its own namespace.")
  public LabelSelector namespaceSelector;

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
