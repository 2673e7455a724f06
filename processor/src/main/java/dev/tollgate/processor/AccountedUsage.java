package dev.tollgate.processor;

import static dev.tollgate.processor.ExtProcMessages.put;

import com.google.protobuf.Struct;
import dev.tollgate.model.GatewayModel;
import dev.tollgate.model.Wire;
import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * The usage a request is committed at and what it cost, decided from the best evidence its response
 * showed. A complete response commits the provider's report when there is one, else the prompt
 * estimate and the output counted. A response that has not ended (the figure Envoy commits if the
 * stream stops here: client gone, route timeout, upstream reset) commits at least the output
 * counted so far and at least the output it may have generated unseen.
 *
 * @param inputTokens input tokens, cached ones included
 * @param cachedTokens cached input tokens
 * @param cacheWriteTokens input tokens written to the provider's cache
 * @param outputTokens output tokens
 * @param source {@code reported}, {@code estimated}, {@code partial} (the response had not ended:
 *     what was seen so far), {@code reserved} (not ended, and the whole output reservation stood
 *     for what could not be seen) or {@code none} (nothing was generated)
 * @param cost the cost in {@code currency}, or null when the provider's model has no price
 * @param currency the currency of {@code cost}, or null
 */
record AccountedUsage(
    long inputTokens,
    long cachedTokens,
    long cacheWriteTokens,
    long outputTokens,
    String source,
    BigDecimal cost,
    String currency) {

  /** The status of a request that timed out waiting for the provider's answer. */
  static final int GATEWAY_TIMEOUT = 504;

  /** Metadata key: input plus output tokens. */
  static final String TOTAL_TOKENS = "total_tokens";

  /** Metadata key: the cost of the request, a decimal in {@link #CURRENCY}. */
  static final String COST = "cost";

  /** Metadata key: the currency of the cost. */
  static final String CURRENCY = "currency";

  /** Nothing to commit: the request was answered before it reached a provider. */
  static final AccountedUsage NONE = new AccountedUsage(0, 0, 0, 0, "none", null, null);

  /**
   * Accounts a response so far.
   *
   * @param target where the request went, or null when it was no model request
   * @param status the response status
   * @param usage what the response body showed, or null when it was not read
   * @param estimate the prompt estimate
   * @param ended whether the response's last message was seen
   * @param unseenOutput while not ended, the output the provider may have generated that the body
   *     read so far cannot show (the output reservation for a JSON answer, generated whole before
   *     its first byte, and for a body not read; 0 for a stream, which shows its output as it goes)
   * @param provider the provider that served, or null when unknown
   */
  static AccountedUsage of(
      Policy.Target target,
      int status,
      ResponseUsage usage,
      long estimate,
      boolean ended,
      long unseenOutput,
      String provider) {
    long input = 0;
    long cached = 0;
    long written = 0;
    long output = 0;
    String source = "none";
    if (target != null && status == GATEWAY_TIMEOUT) {
      // Nothing came back in time (Envoy's route timeout answers 504 before any provider header,
      // a provider's own gateway the same), yet the provider may have generated, and will bill,
      // the whole answer: charge the whole reservation, never 0.
      input = estimate;
      output = unseenOutput;
      source = "reserved";
    } else if (target != null && status >= 100 && status < 400) {
      ReportedUsage reported = usage == null ? null : usage.reported();
      boolean hasReport = reported != null && reported.present();
      input = hasReport && reported.input() >= 0 ? reported.input() : estimate;
      cached = hasReport ? reported.cached() : 0;
      written = hasReport ? reported.cacheWrite() : 0;
      long counted = usage == null ? 0 : usage.countedOutput();
      long reportedOutput = hasReport ? reported.output() : -1;
      if (ended) {
        output = reportedOutput >= 0 ? reportedOutput : counted;
        source = hasReport ? "reported" : "estimated";
      } else {
        // A report mid-stream may be a running one (Anthropic's message_start): never below what
        // was counted, never below what may be unseen.
        long seen = Math.max(reportedOutput, counted);
        output = Math.max(seen, unseenOutput);
        source = unseenOutput > seen ? "reserved" : "partial";
      }
    }
    return priced(target, input, cached, written, output, source, provider);
  }

  /**
   * The usage a request was settled at (the first commit that reached the rate-limit service), at
   * the prices of the provider that commit named; keeps this usage's source.
   */
  AccountedUsage settled(Policy.Target target, UsageSettlement.Tokens tokens) {
    return priced(
        target,
        tokens.input(),
        tokens.cached(),
        tokens.cacheWrite(),
        tokens.output(),
        source,
        tokens.provider());
  }

  /** The token counts as a commit carries them. */
  UsageSettlement.Tokens tokens(String provider) {
    return new UsageSettlement.Tokens(
        inputTokens, cachedTokens, cacheWriteTokens, outputTokens, provider);
  }

  private static AccountedUsage priced(
      Policy.Target target,
      long input,
      long cached,
      long written,
      long output,
      String source,
      String provider) {
    GatewayModel.Price price = target == null ? null : price(target, provider);
    if (price == null) {
      return new AccountedUsage(input, cached, written, output, source, null, null);
    }
    BigDecimal cachedPrice =
        price.cachedInputPerMillion() != null
            ? price.cachedInputPerMillion()
            : price.inputPerMillion();
    BigDecimal writePrice =
        price.cacheWriteInputPerMillion() != null
            ? price.cacheWriteInputPerMillion()
            : price.inputPerMillion();
    BigDecimal cost =
        price
            .inputPerMillion()
            .multiply(BigDecimal.valueOf(input - cached - written))
            .add(cachedPrice.multiply(BigDecimal.valueOf(cached)))
            .add(writePrice.multiply(BigDecimal.valueOf(written)))
            .add(price.outputPerMillion().multiply(BigDecimal.valueOf(output)))
            .divide(BigDecimal.valueOf(1_000_000), 10, RoundingMode.HALF_UP)
            .stripTrailingZeros();
    return new AccountedUsage(input, cached, written, output, source, cost, price.currency());
  }

  private static GatewayModel.Price price(Policy.Target target, String provider) {
    if (provider != null) {
      return target.prices().get(provider);
    }
    return target.prices().size() == 1 ? target.prices().values().iterator().next() : null;
  }

  /** The dynamic metadata the budget commit and Envoy's access log read. */
  Struct metadata(String provider) {
    Struct.Builder meta = Struct.newBuilder();
    put(meta, Wire.INPUT_TOKENS, Long.toString(inputTokens));
    put(meta, Wire.CACHED_INPUT_TOKENS, Long.toString(cachedTokens));
    put(meta, Wire.CACHE_WRITE_INPUT_TOKENS, Long.toString(cacheWriteTokens));
    put(meta, Wire.OUTPUT_TOKENS, Long.toString(outputTokens));
    put(meta, TOTAL_TOKENS, Long.toString(TokenMath.add(inputTokens, outputTokens)));
    if (provider != null) {
      put(meta, Wire.PROVIDER, provider);
    }
    if (cost != null) {
      put(meta, COST, cost.toPlainString());
      put(meta, CURRENCY, currency);
    }
    return ExtProcMessages.wrap(meta);
  }
}
