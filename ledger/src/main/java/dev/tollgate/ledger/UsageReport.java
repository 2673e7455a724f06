package dev.tollgate.ledger;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The answer to a {@link UsageQuery}: one row per combination of the dimensions' values and
 * currency, sorted, and the totals per currency.
 *
 * @param query the question
 * @param rows the rows, sorted by their keys then currency
 */
public record UsageReport(UsageQuery query, List<Row> rows) {

  /**
   * One row of sums.
   *
   * @param keys the values of the query's dimensions, in order; null where unknown
   * @param currency the currency of {@code cost}, or null for unpriced records
   * @param requests how many requests
   * @param errors how many of them failed (status 400 and above, or an error code)
   * @param inputTokens input tokens committed
   * @param cachedInputTokens cached input tokens committed
   * @param outputTokens output tokens committed
   * @param cost the summed cost in {@code currency}, zero when unpriced
   */
  public record Row(
      List<String> keys,
      String currency,
      long requests,
      long errors,
      long inputTokens,
      long cachedInputTokens,
      long outputTokens,
      BigDecimal cost) {
    /** Copies the keys, which may hold nulls. */
    public Row {
      keys = java.util.Collections.unmodifiableList(new ArrayList<>(keys));
    }
  }

  /** Copies the rows. */
  public UsageReport {
    rows = List.copyOf(rows);
  }

  /**
   * The totals per currency, sorted by currency, then the total of the unpriced records (currency
   * null: a model listing, a request refused before its model was known, a model without pricing)
   * if there are any. Unpriced requests cost nothing and count in no currency's total.
   */
  public List<Row> totals() {
    Map<String, Row> byCurrency = new TreeMap<>(Comparator.nullsLast(Comparator.naturalOrder()));
    for (Row r : rows) {
      String key = r.currency();
      Row t = byCurrency.get(key);
      byCurrency.put(
          key,
          t == null
              ? new Row(
                  List.of(),
                  r.currency(),
                  r.requests(),
                  r.errors(),
                  r.inputTokens(),
                  r.cachedInputTokens(),
                  r.outputTokens(),
                  r.cost())
              : new Row(
                  List.of(),
                  r.currency(),
                  t.requests() + r.requests(),
                  t.errors() + r.errors(),
                  t.inputTokens() + r.inputTokens(),
                  t.cachedInputTokens() + r.cachedInputTokens(),
                  t.outputTokens() + r.outputTokens(),
                  t.cost().add(r.cost())));
    }
    return List.copyOf(byCurrency.values());
  }
}
