package dev.tollgate.processor;

/**
 * Token arithmetic that saturates instead of overflowing: the counts come from request bodies and
 * provider responses, and a huge one must cap a reservation, not wrap it negative.
 */
final class TokenMath {
  private TokenMath() {}

  /** a + b, or {@link Long#MAX_VALUE} when that overflows. */
  static long add(long a, long b) {
    long sum = a + b;
    return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
  }
}
