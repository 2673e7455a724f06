package dev.tollgate.ratelimit;

import dev.tollgate.api.v1alpha1.LimitType;
import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Counters are whole numbers: tokens, requests, or billionths of a currency unit for Cost.
 *
 * <p>Billionths because a price per million tokens with three decimals (0.075 USD) costs 75
 * billionths per token, and whole numbers keep Redis' Lua arithmetic exact: Lua numbers are
 * doubles, exact up to 2^53, which is still nine million currency units.
 */
public final class Units {
  /** Largest counter value; Lua's doubles are exact up to here. */
  public static final long MAX = (1L << 53) - 1;

  /** Decimal places of a Cost counter. */
  public static final int COST_SCALE = 9;

  private static final BigDecimal PER_TOKEN_FROM_PER_MILLION = BigDecimal.valueOf(1000);

  private Units() {}

  /** Returns the counter value of a budget amount, rounded down and capped at {@link #MAX}. */
  public static long ofAmount(LimitType type, BigDecimal amount) {
    BigDecimal scaled = type == LimitType.Cost ? amount.movePointRight(COST_SCALE) : amount;
    return cap(scaled.setScale(0, RoundingMode.FLOOR));
  }

  /** Returns the budget amount of a counter value, e.g. 1500000000 units of Cost as 1.5. */
  public static BigDecimal toAmount(LimitType type, long units) {
    if (type != LimitType.Cost) {
      return BigDecimal.valueOf(units);
    }
    BigDecimal amount = BigDecimal.valueOf(units, COST_SCALE).stripTrailingZeros();
    return amount.scale() < 0 ? amount.setScale(0) : amount;
  }

  /**
   * Returns the Cost counter value of {@code tokens} at {@code pricePerMillion}, rounded up so that
   * a budget is never under-charged.
   */
  public static long costOf(long tokens, BigDecimal pricePerMillion) {
    return cap(
        BigDecimal.valueOf(tokens)
            .multiply(pricePerMillion)
            .multiply(PER_TOKEN_FROM_PER_MILLION)
            .setScale(0, RoundingMode.CEILING));
  }

  /** Returns the Cost counter value of an exact currency amount, rounded up. */
  public static long costUnits(BigDecimal currencyAmount) {
    return cap(currencyAmount.movePointRight(COST_SCALE).setScale(0, RoundingMode.CEILING));
  }

  /** Returns {@code ceil(units * percent / 100)}, the soft threshold of a budget. */
  public static long percentOf(long units, int percent) {
    BigDecimal value =
        BigDecimal.valueOf(units)
            .multiply(BigDecimal.valueOf(percent))
            .divide(BigDecimal.valueOf(100), 0, RoundingMode.CEILING);
    return cap(value);
  }

  private static long cap(BigDecimal value) {
    if (value.signum() <= 0) {
      return 0;
    }
    return value.compareTo(BigDecimal.valueOf(MAX)) >= 0 ? MAX : value.longValueExact();
  }
}
