package dev.tollgate.processor;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The fixed histogram that sizes output reserves: buckets, percentile, cold start, recency. */
class CompletionHistogramTest {

  @Test
  void bucketsCoverOneToTenMillionInIncreasingBoundsAtMostAFifthApart() {
    assertThat(CompletionHistogram.upperBound(0)).isEqualTo(1);
    assertThat(CompletionHistogram.upperBound(CompletionHistogram.BUCKETS - 1))
        .isGreaterThanOrEqualTo(10_000_000);
    assertThat(CompletionHistogram.BUCKETS).isLessThan(100);
    for (int i = 1; i < CompletionHistogram.BUCKETS; i++) {
      long lower = CompletionHistogram.upperBound(i - 1);
      long upper = CompletionHistogram.upperBound(i);
      assertThat(upper).isGreaterThan(lower);
      if (lower >= 100) {
        assertThat((double) upper / lower).isLessThanOrEqualTo(1.2);
      }
    }
    for (long tokens : new long[] {0, 1, 2, 7, 30, 4096, 9_999_999, 10_000_000}) {
      int b = CompletionHistogram.bucket(tokens);
      assertThat(CompletionHistogram.upperBound(b)).isGreaterThanOrEqualTo(tokens);
      if (b > 0) {
        assertThat(CompletionHistogram.upperBound(b - 1)).isLessThan(tokens);
      }
    }
  }

  @Test
  void sizesNothingUntilEnoughCompletionsHaveBeenSeen() {
    CompletionHistogram h = new CompletionHistogram();
    for (int i = 1; i < CompletionHistogram.MIN_SAMPLES; i++) {
      h.record(30);
      assertThat(h.percentile()).isEqualTo(-1);
    }
    h.record(30);
    // 30 lies in the bucket (27, 33]: the percentile is rounded up to its bound.
    assertThat(h.percentile()).isEqualTo(33);
  }

  @Test
  void theNinetyNinthPercentileIgnoresTheTopPercentButNotMore() {
    CompletionHistogram h = new CompletionHistogram();
    for (int i = 0; i < 990; i++) {
      h.record(100);
    }
    for (int i = 0; i < 10; i++) {
      h.record(4000);
    }
    // 10 of 1,000 above: the 990th completion is the 99th percentile.
    assertThat(h.percentile())
        .isEqualTo(CompletionHistogram.upperBound(CompletionHistogram.bucket(100)));
    h.record(4000);
    // 11 of 1,001 above: the percentile reaches into the long answers.
    assertThat(h.percentile())
        .isEqualTo(CompletionHistogram.upperBound(CompletionHistogram.bucket(4000)));
  }

  @Test
  void withFewerThanAHundredCompletionsOneLongAnswerSizesTheReserve() {
    CompletionHistogram h = new CompletionHistogram();
    for (int i = 0; i < 50; i++) {
      h.record(20);
    }
    h.record(4096);
    assertThat(h.percentile()).isGreaterThanOrEqualTo(4096);
  }

  @Test
  void oldCompletionsFadeWhenTheHistogramIsHalved() {
    CompletionHistogram h = new CompletionHistogram();
    for (int i = 0; i < CompletionHistogram.MAX_SAMPLES; i++) {
      h.record(3000);
    }
    assertThat(h.percentile()).isGreaterThanOrEqualTo(3000);
    for (int i = 0; i < 8 * CompletionHistogram.MAX_SAMPLES; i++) {
      h.record(50);
    }
    assertThat(h.samples()).isLessThanOrEqualTo(CompletionHistogram.MAX_SAMPLES);
    assertThat(h.percentile())
        .isEqualTo(CompletionHistogram.upperBound(CompletionHistogram.bucket(50)));
  }
}
