package dev.tollgate.ratelimit;

import dev.tollgate.api.v1alpha1.LimitType;
import dev.tollgate.ratelimit.store.BucketState;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The response headers of a reservation, in the style of OpenAI's API so that existing clients back
 * off on their own.
 *
 * <ul>
 *   <li>{@code x-ratelimit-limit-tokens}, {@code x-ratelimit-remaining-tokens}, {@code
 *       x-ratelimit-reset-tokens}: the token budget (Tokens, InputTokens or OutputTokens) with the
 *       least remaining;
 *   <li>the same with {@code -requests} for Requests budgets;
 *   <li>{@code retry-after}: whole seconds until the rejecting budget's window ends;
 *   <li>{@code x-tollgate-quota-warning}: the fullest budget at or over its soft threshold.
 * </ul>
 */
public final class ResponseHeaders {
  /** Warning header name. */
  public static final String WARNING = dev.tollgate.model.Wire.QUOTA_WARNING_HEADER;

  private ResponseHeaders() {}

  /**
   * Returns the headers of a reservation.
   *
   * @param charges the charges, in store order
   * @param states the buckets after the reservation (before it, when rejected)
   * @param blocked index of the rejecting charge, or -1
   * @param now the current time
   */
  public static List<HeaderValue> of(
      List<PlannedCharge> charges, List<BucketState> states, int blocked, Instant now) {
    List<HeaderValue> headers = new ArrayList<>();
    int tokens = -1;
    int requests = -1;
    int fullest = -1;
    for (int i = 0; i < charges.size() && i < states.size(); i++) {
      Budget budget = charges.get(i).budget();
      if (budget.countsTokens() && tighter(i, tokens, charges, states)) {
        tokens = i;
      }
      if (budget.limit().type() == LimitType.Requests && tighter(i, requests, charges, states)) {
        requests = i;
      }
      if (states.get(i).total() >= budget.warnAtUnits()
          && (fullest < 0 || ratio(i, charges, states) > ratio(fullest, charges, states))) {
        fullest = i;
      }
    }
    if (tokens >= 0) {
      family(headers, "tokens", charges.get(tokens), states.get(tokens), now);
    }
    if (requests >= 0) {
      family(headers, "requests", charges.get(requests), states.get(requests), now);
    }
    if (blocked >= 0) {
      headers.add(
          header("retry-after", Long.toString(retryAfterSeconds(charges.get(blocked), now))));
    } else if (fullest >= 0) {
      headers.add(header(WARNING, warning(charges.get(fullest), states.get(fullest), now)));
    }
    return headers;
  }

  /** Returns the remaining budget of a bucket as a counter value, never negative. */
  public static long remaining(PlannedCharge charge, BucketState state) {
    return Math.max(0, charge.budget().limitUnits() - state.total());
  }

  /** Returns whole seconds until a charge's window ends, at least 1. */
  public static long retryAfterSeconds(PlannedCharge charge, Instant now) {
    Duration left = charge.window().remaining(now);
    long seconds = left.getSeconds() + (left.getNano() > 0 ? 1 : 0);
    return Math.max(1, seconds);
  }

  /** Returns a duration the way OpenAI's reset headers spell it: 1s, 6m0s, 26h3m12s, 20ms. */
  public static String resetText(Duration duration) {
    return dev.tollgate.model.ResetText.of(duration);
  }

  /** Returns a header value. */
  public static HeaderValue header(String name, String value) {
    return HeaderValue.newBuilder().setKey(name).setValue(value).build();
  }

  private static void family(
      List<HeaderValue> headers,
      String suffix,
      PlannedCharge charge,
      BucketState state,
      Instant now) {
    Budget budget = charge.budget();
    headers.add(header("x-ratelimit-limit-" + suffix, plain(budget.amountOf(budget.limitUnits()))));
    headers.add(
        header(
            "x-ratelimit-remaining-" + suffix, plain(budget.amountOf(remaining(charge, state)))));
    headers.add(header("x-ratelimit-reset-" + suffix, resetText(charge.window().remaining(now))));
  }

  private static String warning(PlannedCharge charge, BucketState state, Instant now) {
    Budget budget = charge.budget();
    long percent = percent(state.total(), budget.limitUnits());
    StringBuilder text =
        new StringBuilder()
            .append(budget.quota())
            .append('/')
            .append(budget.limit().name())
            .append(": ")
            .append(percent)
            .append("% used (")
            .append(plain(budget.amountOf(state.total())))
            .append(" of ")
            .append(plain(budget.amountOf(budget.limitUnits())))
            .append(' ')
            .append(budget.unit())
            .append(", ")
            .append(charge.bucket().label())
            .append("), resets in ")
            .append(resetText(charge.window().remaining(now)));
    if (state.total() > budget.limitUnits()) {
      text.append("; over budget, not enforced (mode Warn)");
    }
    return text.toString();
  }

  /** Returns {@code floor(total * 100 / limit)}; 100 for an empty budget. */
  static long percent(long total, long limit) {
    if (limit <= 0) {
      return 100;
    }
    return BigDecimal.valueOf(total)
        .multiply(BigDecimal.valueOf(100))
        .divide(BigDecimal.valueOf(limit), 0, RoundingMode.FLOOR)
        .longValue();
  }

  private static boolean tighter(
      int candidate, int best, List<PlannedCharge> charges, List<BucketState> states) {
    if (best < 0) {
      return true;
    }
    long a = remaining(charges.get(candidate), states.get(candidate));
    long b = remaining(charges.get(best), states.get(best));
    return a < b
        || a == b
            && charges.get(candidate).window().end().isBefore(charges.get(best).window().end());
  }

  private static double ratio(int i, List<PlannedCharge> charges, List<BucketState> states) {
    long limit = charges.get(i).budget().limitUnits();
    return limit <= 0 ? Double.MAX_VALUE : (double) states.get(i).total() / limit;
  }

  private static String plain(BigDecimal amount) {
    return amount.toPlainString();
  }
}
