package dev.tollgate.processor;

/**
 * What one request amounted to, once it is over: the input of its metrics and its access-log line.
 * Strings that name configuration (namespace, client, model, provider) are null when unknown.
 *
 * @param requestId Envoy's request id
 * @param method the HTTP method
 * @param path the path without its query
 * @param operation the kind of request
 * @param status the HTTP status the client got, 0 when none was seen
 * @param auth how the caller authenticated, or null
 * @param namespace the caller's namespace
 * @param client the client id
 * @param route the AIRoute, as namespace/name
 * @param requestModel the requested model, when it is one the caller may use
 * @param responseModel the model the provider says answered
 * @param provider the provider that served, as namespace/name
 * @param system OpenTelemetry's {@code gen_ai.provider.name}
 * @param stream whether the response was a stream of events
 * @param estimatedInputTokens the prompt estimate
 * @param reserveTokens what was reserved at the start
 * @param inputTokens input tokens committed
 * @param cachedInputTokens cached input tokens committed
 * @param outputTokens output tokens committed
 * @param usageSource where the usage came from: reported, estimated (no usage in the response) or
 *     none (nothing was generated)
 * @param cost the cost in {@code currency}, or null when unpriced or unknown
 * @param currency the currency of {@code cost}
 * @param durationNanos from request headers to the end of the response
 * @param timeToFirstTokenNanos until the first generated text, or -1
 * @param error the error code, or null
 * @param aborted whether the exchange ended before the response did (client gone, timeout)
 */
record Outcome(
    String requestId,
    String method,
    String path,
    Operation operation,
    int status,
    String auth,
    String namespace,
    String client,
    String route,
    String requestModel,
    String responseModel,
    String provider,
    String system,
    boolean stream,
    long estimatedInputTokens,
    long reserveTokens,
    long inputTokens,
    long cachedInputTokens,
    long outputTokens,
    String usageSource,
    java.math.BigDecimal cost,
    String currency,
    long durationNanos,
    long timeToFirstTokenNanos,
    String error,
    boolean aborted) {}
