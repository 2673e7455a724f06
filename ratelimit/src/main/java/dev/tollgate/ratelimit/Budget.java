package dev.tollgate.ratelimit;

import dev.tollgate.api.v1alpha1.BucketDimension;
import dev.tollgate.api.v1alpha1.LimitType;
import dev.tollgate.api.v1alpha1.QuotaMode;
import dev.tollgate.model.GatewayModel.Limit;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Map;

/**
 * One limit of one TokenQuota, with the quota's settings it needs to be enforced. Which routes it
 * applies to is the quota's rule ({@link dev.tollgate.model.GatewayModel.Quota#appliesTo}).
 *
 * @param namespace namespace of the quota
 * @param quota name of the quota
 * @param mode Enforce or Warn
 * @param warnAtPercent the soft threshold in percent
 * @param zone the zone of day and month windows
 * @param limit the limit as the model states it
 * @param limitUnits the limit as a counter value (see {@link Units})
 * @param warnAtUnits the soft threshold as a counter value
 * @param clientUnits named clients' own limits as counter values; empty when none (or when this is
 *     already one client's budget, see {@link #forClient})
 */
public record Budget(
    String namespace,
    String quota,
    QuotaMode mode,
    int warnAtPercent,
    ZoneId zone,
    Limit limit,
    long limitUnits,
    long warnAtUnits,
    Map<String, Long> clientUnits) {

  /**
   * Returns this budget as it applies to a client: with the client's own amount when the limit
   * names one, else this budget.
   */
  public Budget forClient(String client) {
    Long units = client == null || clientUnits.isEmpty() ? null : clientUnits.get(client);
    if (units == null) {
      return this;
    }
    return new Budget(
        namespace,
        quota,
        mode,
        warnAtPercent,
        zone,
        limit,
        units,
        Units.percentOf(units, warnAtPercent),
        Map.of());
  }

  /** Returns whether a request over this budget is rejected. */
  public boolean enforced() {
    return mode == QuotaMode.Enforce;
  }

  /** Returns the window that contains {@code now}. */
  public WindowSpan span(Instant now) {
    return Windows.span(limit.window(), zone, now);
  }

  /** Returns the bucket a request counts in at {@code now}. */
  public BucketKey bucket(RequestIdentity request, Instant now) {
    return new BucketKey(
        request.namespace(),
        namespace,
        quota,
        limit.name(),
        limit.type(),
        limit.window(),
        span(now).start().getEpochSecond(),
        limit.per().contains(BucketDimension.Client) ? request.client() : null,
        limit.per().contains(BucketDimension.Model) ? request.model() : null);
  }

  /** Returns what one counter unit is called: tokens, requests or the currency code. */
  public String unit() {
    return switch (limit.type()) {
      case Tokens, InputTokens, OutputTokens -> "tokens";
      case Requests -> "requests";
      case Cost -> limit.currency();
    };
  }

  /** Returns a counter value as an amount of this budget's unit. */
  public BigDecimal amountOf(long units) {
    return Units.toAmount(limit.type(), units);
  }

  /** Returns whether this budget counts tokens of some kind. */
  public boolean countsTokens() {
    return limit.type() == LimitType.Tokens
        || limit.type() == LimitType.InputTokens
        || limit.type() == LimitType.OutputTokens;
  }
}
