package dev.tollgate.processor;

/**
 * The output tokens per choice of one model's recent completions, in a small fixed histogram, and
 * the high percentile of them that sizes the output reserve of requests without an output cap.
 *
 * <p>Memory is fixed: {@link #BUCKETS} counters with upper bounds 1, 2, 3, 4, 5, 6, 8, 10, 12, 15,
 * ..., each about 19% (2^¼) above the last, up to 10,000,000, so a percentile is rounded up by at
 * most one bucket, about 19%. Recency: when the counters hold more than the window's completions
 * ({@link ReserveSizing}, 2,000 by default), every counter is halved, so the histogram follows the
 * last one to two windows of completions and an old outlier fades. {@link #record} is called once
 * per finished request and {@link #percentile} on the request path reads one volatile field.
 * Thread-safe.
 */
final class CompletionHistogram {
  /** Default completions seen before the histogram sizes reserves ({@link ReserveSizing}). */
  static final int MIN_SAMPLES = ReserveSizing.DEFAULTS.minCompletions();

  /** Default completions held before every counter is halved. */
  static final int MAX_SAMPLES = ReserveSizing.DEFAULTS.window();

  /** The default percentile that sizes the reserve. */
  static final double PERCENTILE = ReserveSizing.DEFAULTS.percentile();

  private static final long[] UPPER = bounds(10_000_000);

  /** The number of buckets. */
  static final int BUCKETS = UPPER.length;

  private final ReserveSizing sizing;
  private final long[] counts = new long[BUCKETS];
  private long total;
  private volatile long percentile = -1;

  /** A histogram with the default sizing. */
  CompletionHistogram() {
    this(ReserveSizing.DEFAULTS);
  }

  /** A histogram sized by {@code sizing}'s percentile, minimum and window. */
  CompletionHistogram(ReserveSizing sizing) {
    this.sizing = sizing;
  }

  /** Adds a completion that generated {@code tokens} output tokens per choice. */
  synchronized void record(long tokens) {
    counts[bucket(tokens)]++;
    total++;
    if (total > sizing.window()) {
      total = 0;
      for (int i = 0; i < BUCKETS; i++) {
        counts[i] >>= 1;
        total += counts[i];
      }
    }
    percentile =
        total < sizing.minCompletions()
            ? -1
            : upperBoundOfRank((long) Math.ceil(sizing.percentile() * total));
  }

  /**
   * The upper bound of the bucket holding the {@link #PERCENTILE} of the completions seen, or -1
   * while fewer than {@link #MIN_SAMPLES} are held.
   */
  long percentile() {
    return percentile;
  }

  /** The completions the counters hold now (after halvings). */
  synchronized long samples() {
    return total;
  }

  private long upperBoundOfRank(long rank) {
    long seen = 0;
    for (int i = 0; i < BUCKETS; i++) {
      seen += counts[i];
      if (seen >= rank) {
        return UPPER[i];
      }
    }
    return UPPER[BUCKETS - 1];
  }

  /** The bucket of a token count: the first whose upper bound is at least it. */
  static int bucket(long tokens) {
    int lo = 0;
    int hi = BUCKETS - 1;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (UPPER[mid] >= tokens) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return lo;
  }

  /** The upper bound of a bucket. */
  static long upperBound(int bucket) {
    return UPPER[bucket];
  }

  private static long[] bounds(long max) {
    long[] out = new long[128];
    int n = 0;
    long b = 1;
    while (true) {
      out[n++] = b;
      if (b >= max) {
        break;
      }
      b = Math.max(b + 1, (long) Math.ceil(b * 1.189207115));
    }
    return java.util.Arrays.copyOf(out, n);
  }
}
