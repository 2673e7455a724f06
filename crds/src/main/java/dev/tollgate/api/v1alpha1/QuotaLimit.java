package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

/** One budget: an amount of something per window, counted per bucket. */
@ValidationRule(
    value = "self.type == 'Cost' ? has(self.currency) : !has(self.currency)",
    message = "currency is required for type Cost and not allowed otherwise",
    fieldPath = ".currency")
@ValidationRule(
    value = "self.type == 'Cost' || self.amount.matches('^[0-9]+$')",
    message = "amount must be a whole number unless type is Cost",
    fieldPath = ".amount")
@ValidationRule(
    value = "!has(self.per) || self.per.all(d, self.per.exists_one(e, e == d))",
    message = "per lists a dimension twice",
    fieldPath = ".per")
@ValidationRule(
    value =
        "!has(self.clients) || size(self.clients) == 0 || (has(self.per) && 'Client' in self.per)",
    message = "clients needs per to include Client",
    fieldPath = ".clients")
public class QuotaLimit {
  @Required
  @Size(max = 63)
  @Pattern("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
  @JsonPropertyDescription("Name of the limit, unique in the quota, e.g. tokens-per-minute.")
  public String name;

  @Required
  @JsonPropertyDescription(
      "What is counted: Tokens (input + output), InputTokens, OutputTokens, Requests, or Cost"
          + " (in currency, from the providers' prices).")
  public LimitType type;

  @Required
  @Size(max = 22)
  @Pattern(Api.DECIMAL)
  @JsonPropertyDescription(
      "The budget per window, as a string: a whole number of tokens or requests, or a decimal"
          + " amount of currency for Cost.")
  public String amount;

  @Pattern("^[A-Z]{3}$")
  @JsonPropertyDescription(
      "Currency of a Cost budget (ISO 4217). Every priced model must use this currency.")
  public String currency;

  @Required
  @JsonPropertyDescription(
      "The window: 1m, 1h, 1d (fixed windows, days starting at 00:00 in timeZone) or Month"
          + " (calendar month starting at 00:00 on the 1st in timeZone).")
  public Window window;

  @Size(max = 2)
  @JsonPropertyDescription(
      "Count separately per Client, per Model (the requested name), or per both. Empty: one"
          + " bucket for the whole namespace.")
  public List<BucketDimension> per = new ArrayList<>();

  @Size(max = 64)
  @JsonPropertyDescription(
      "Named clients' own amounts (e.g. ci-bot more, interns less) instead of amount; needs per"
          + " to include Client. Every other client gets amount.")
  public List<ClientAmount> clients = new ArrayList<>();
}
