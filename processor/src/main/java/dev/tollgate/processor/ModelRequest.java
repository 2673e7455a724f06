package dev.tollgate.processor;

/**
 * What the processor knows of a model request once its body is read: where it goes, whether it
 * streams, the prompt estimate and the reservation.
 *
 * @param target the route rule serving the requested model
 * @param client the caller's client id on the target's route
 * @param stream whether the request asked for a stream
 * @param estimate the prompt's estimated input tokens
 * @param reserve the tokens to reserve: the estimate plus the output cap of every choice
 */
record ModelRequest(
    Policy.Target target, String client, boolean stream, long estimate, long reserve) {

  /** Tokens an image part is estimated at: what OpenAI charges for a 1024x1024 image. */
  static final int IMAGE_TOKENS = 765;

  /**
   * Estimates a routed request.
   *
   * @param defaultOutputTokens the output cap of a request that sets none
   */
  static ModelRequest of(
      RequestRouter.RoutingDecision routing,
      RequestBody body,
      Operation operation,
      TokenEstimator estimator,
      long defaultOutputTokens) {
    Policy.Target target = routing.target();
    long estimate = estimate(estimator, target, body);
    return new ModelRequest(
        target,
        routing.client(),
        body.stream(),
        estimate,
        reserve(operation, body, target, estimate, defaultOutputTokens));
  }

  /** The prompt's input tokens: its text, the chat framing, names, images and token ids. */
  static long estimate(TokenEstimator estimator, Policy.Target target, RequestBody body) {
    long text =
        estimator.countExtrapolated(target.tokenizer().encoding(), body.text(), body.textChars());
    long framing = body.messages() > 0 ? 3L * body.messages() + 3 : 0;
    return TokenMath.add(
        TokenMath.add(text, framing + body.names()),
        TokenMath.add((long) IMAGE_TOKENS * body.images(), body.tokenIds()));
  }

  /** The reservation: the estimate plus the output cap, bounded by the context window. */
  static long reserve(
      Operation operation,
      RequestBody body,
      Policy.Target target,
      long estimate,
      long defaultOutputTokens) {
    long cap = 0;
    if (operation.producesOutput()) {
      cap = body.maxOutputTokens() >= 0 ? body.maxOutputTokens() : defaultOutputTokens;
      if (target.contextWindow() != null) {
        cap = Math.min(cap, Math.max(0, target.contextWindow() - estimate));
      }
    }
    long output = cap > Long.MAX_VALUE / body.choices() ? Long.MAX_VALUE : cap * body.choices();
    return TokenMath.add(estimate, output);
  }
}
