package dev.tollgate.model;

import java.util.List;

/**
 * The names Tollgate's components agree on: the headers the processor sets for routing, the dynamic
 * metadata it writes, and the rate-limit descriptor keys. Defined once here, used by the xDS
 * translation, the processor and the rate-limit service, so they cannot drift.
 */
public final class Wire {
  /** Rate-limit domain of every Tollgate descriptor. */
  public static final String RATE_LIMIT_DOMAIN = "tollgate";

  /** Header with the caller's namespace, set by the processor after authentication. */
  public static final String NAMESPACE_HEADER = "x-tollgate-namespace";

  /** Header with the caller's client id, set by the processor after authentication. */
  public static final String CLIENT_HEADER = "x-tollgate-client";

  /** Header with the requested model name, set by the processor from the request body. */
  public static final String MODEL_HEADER = "x-tollgate-model";

  /** Header with the upstream model name, set per cluster on the way to the provider. */
  public static final String UPSTREAM_MODEL_HEADER = "x-tollgate-upstream-model";

  /** Envoy's request id, the key of a reservation. */
  public static final String REQUEST_ID_HEADER = "x-request-id";

  /**
   * Headers only Tollgate may set: the identity and routing headers of the processor and the
   * headers its upstream filters pass between themselves. Envoy removes them from client requests
   * before any filter runs; the processor sets its own again from what it verified.
   */
  public static final List<String> IDENTITY_HEADERS =
      List.of(
          NAMESPACE_HEADER,
          CLIENT_HEADER,
          MODEL_HEADER,
          UPSTREAM_MODEL_HEADER,
          "x-tollgate-client-path",
          "x-tollgate-path-prefix",
          "x-tollgate-path-strip",
          "x-tollgate-path-query",
          "x-tollgate-credential",
          "x-tollgate-provider");

  /** Client credentials that must never reach a provider. */
  public static final List<String> CLIENT_CREDENTIAL_HEADERS =
      List.of("authorization", "x-api-key", "api-key");

  /** Dynamic metadata namespace the processor writes to. */
  public static final String METADATA_NAMESPACE = "tollgate";

  /** Metadata key: tokens to reserve at request start (prompt estimate + output cap). */
  public static final String RESERVE_TOKENS = "reserve_tokens";

  /** Metadata key: actual input tokens, from the response. */
  public static final String INPUT_TOKENS = "input_tokens";

  /** Metadata key: actual cached input tokens, from the response. */
  public static final String CACHED_INPUT_TOKENS = "cached_input_tokens";

  /** Metadata key: actual output tokens, from the response. */
  public static final String OUTPUT_TOKENS = "output_tokens";

  /** Metadata key: the provider that served the request, as namespace/name. */
  public static final String PROVIDER = "provider";

  /** Descriptor key: the phase of the budget protocol, {@link #RESERVE} or {@link #COMMIT}. */
  public static final String PHASE = "tollgate_phase";

  /** Phase value at request start. */
  public static final String RESERVE = "reserve";

  /** Phase value at stream done. */
  public static final String COMMIT = "commit";

  /** Descriptor key: the caller's namespace. */
  public static final String NAMESPACE_KEY = "namespace";

  /** Descriptor key: the AIRoute's name. */
  public static final String ROUTE_KEY = "route";

  /** Descriptor key: the client id. */
  public static final String CLIENT_KEY = "client";

  /** Descriptor key: the requested model name. */
  public static final String MODEL_KEY = "model";

  /** Descriptor key: the request id. */
  public static final String REQUEST_ID_KEY = "request_id";

  /** Descriptor key: actual input tokens (commit). */
  public static final String INPUT_TOKENS_KEY = INPUT_TOKENS;

  /** Descriptor key: actual cached input tokens (commit). */
  public static final String CACHED_INPUT_TOKENS_KEY = CACHED_INPUT_TOKENS;

  /** Descriptor key: actual output tokens (commit). */
  public static final String OUTPUT_TOKENS_KEY = OUTPUT_TOKENS;

  /** Descriptor key: the provider that served the request (commit). */
  public static final String PROVIDER_KEY = PROVIDER;

  private Wire() {}
}
