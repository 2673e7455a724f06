package dev.tollgate.processor;

import java.util.List;

/**
 * What the processor knows of a model request once its body is read: where it goes, whether it
 * streams, the prompt estimate, the output cap and the reservation.
 *
 * <p>A request that sets its own output cap reserves it for each choice. One that sets none gets
 * the gateway's default cap written upstream and reserves the {@link OutputReserves} reserve for
 * each choice, which is at most that cap: it can use at most {@code (outputCap − outputReserve) ×
 * choices} more than it reserved, and the commit charges what it used.
 *
 * @param target the route rule serving the requested model
 * @param client the caller's client id on the target's route
 * @param stream whether the request asked for a stream
 * @param estimate the prompt's estimated input tokens
 * @param reserve the tokens to reserve: the estimate plus the output reserve of every choice
 * @param outputCap the tokens each choice may generate, as the body sent upstream says
 * @param outputReserve the output tokens reserved for each choice: the cap, or for a request that
 *     sets none, the sized reserve (at most the cap)
 * @param choices the completions asked for (n, best_of), at least 1
 * @param reserveSource where the output reserve came from
 * @param capEdits the body edits that write the output cap
 * @param downgrade how the request fell to its rule's cheaper tier, or null when it did not
 */
record ModelRequest(
    Policy.Target target,
    String client,
    boolean stream,
    long estimate,
    long reserve,
    long outputCap,
    long outputReserve,
    int choices,
    OutputReserves.Source reserveSource,
    List<BodyEdits.Edit> capEdits,
    Downgrade downgrade) {

  /** Tokens an image part is estimated at: what OpenAI charges for a 1024x1024 image. */
  static final int IMAGE_TOKENS = 765;

  /**
   * Estimates a routed request.
   *
   * @param path the request path without its query, which decides the output-cap field
   * @param defaultOutputTokens the output cap of a request that sets none
   * @param maxTokensPerRequest the largest reservation the rate-limit service accepts
   * @param reserves the output reserves of requests that set no cap
   * @throws Rejection.Exception when a backend of the target does not serve the path's API, the
   *     output cap is invalid, or the reservation is larger than the rate-limit service accepts
   */
  static ModelRequest of(
      RequestRouter.RoutingDecision routing,
      RequestBody body,
      String path,
      TokenEstimator estimator,
      long defaultOutputTokens,
      long maxTokensPerRequest,
      OutputReserves reserves)
      throws Rejection.Exception {
    BodyRules rules = BodyRules.forPath(path);
    rules.checkTarget(routing.target());
    Policy.Target target = rules.forAttempts(routing.target());
    long estimate = estimate(estimator, target, body);
    OutputCap.Decision cap = OutputCap.of(path, body, target, estimate, defaultOutputTokens);
    OutputReserves.Reserve output =
        cap.defaulted()
            ? reserves.forUncapped(target, cap.perChoice())
            : new OutputReserves.Reserve(cap.perChoice(), unsized(body, cap));
    long reserve = reserve(estimate, output.perChoice(), body.choices());
    if (reserve > maxTokensPerRequest) {
      throw new Rejection.Exception(
          tooLarge(estimate, output.perChoice(), body.choices(), maxTokensPerRequest));
    }
    return new ModelRequest(
        target,
        routing.client(),
        body.stream(),
        estimate,
        reserve,
        cap.perChoice(),
        output.perChoice(),
        body.choices(),
        output.source(),
        cap.edits(),
        null);
  }

  /**
   * Where the reserve of a request whose reserve is its cap comes from: the client's own cap,
   * nothing to generate, or the default cap on a path whose body is not edited (nothing else would
   * bound the output there).
   */
  private static OutputReserves.Source unsized(RequestBody body, OutputCap.Decision cap) {
    if (body.maxOutputTokens() >= 0) {
      return OutputReserves.Source.REQUEST;
    }
    return cap.perChoice() == 0 ? OutputReserves.Source.NONE : OutputReserves.Source.CAP;
  }

  /** This request as one that fell to its tier. */
  ModelRequest downgraded(Downgrade how) {
    return new ModelRequest(
        target,
        client,
        stream,
        estimate,
        reserve,
        outputCap,
        outputReserve,
        choices,
        reserveSource,
        capEdits,
        how);
  }

  /**
   * The prompt's input tokens: its text (by the tokenizer of every upstream model the rule may send
   * it to, the largest count), the chat framing, names, images and token ids.
   */
  static long estimate(TokenEstimator estimator, Policy.Target target, RequestBody body) {
    long text = 0;
    for (var encoding : target.estimateEncodings()) {
      text = Math.max(text, estimator.countExtrapolated(encoding, body.text(), body.textChars()));
    }
    long framing = body.messages() > 0 ? 3L * body.messages() + 3 : 0;
    return TokenMath.add(
        TokenMath.add(text, framing + body.names()),
        TokenMath.add((long) IMAGE_TOKENS * body.images(), body.tokenIds()));
  }

  /** The reservation: the estimate plus the output cap of every choice, saturating. */
  static long reserve(long estimate, long outputCap, int choices) {
    long output = outputCap > Long.MAX_VALUE / choices ? Long.MAX_VALUE : outputCap * choices;
    return TokenMath.add(estimate, output);
  }

  /**
   * The answer to a request the budget could never admit: 400 rather than 429, since no window will
   * ever have room for it and a retry would fail the same way. Without it the rate-limit service
   * refuses the reservation as invalid input, which Envoy lets through when it fails open.
   */
  private static Rejection tooLarge(long estimate, long outputCap, int choices, long max) {
    return new Rejection(
        400,
        "invalid_request_error",
        "reservation_too_large",
        "This request would reserve "
            + reserve(estimate, outputCap, choices)
            + " tokens (prompt estimate "
            + estimate
            + " + "
            + outputCap
            + " output tokens for each of "
            + choices
            + " choices), more than the gateway's limit of "
            + max
            + " tokens per request. Lower max_tokens or n, or shorten the prompt.",
        null);
  }
}
