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

  /**
   * Prefix of every header Tollgate's components pass between themselves; the processor removes a
   * client's headers with it.
   */
  public static final String HEADER_PREFIX = "x-tollgate-";

  /** Header with the caller's namespace, set by the processor after authentication. */
  public static final String NAMESPACE_HEADER = HEADER_PREFIX + "namespace";

  /** Header with the caller's client id, set by the processor after authentication. */
  public static final String CLIENT_HEADER = HEADER_PREFIX + "client";

  /** Header with the requested model name, set by the processor from the request body. */
  public static final String MODEL_HEADER = HEADER_PREFIX + "model";

  /** Header with the upstream model name, set per cluster on the way to the provider. */
  public static final String UPSTREAM_MODEL_HEADER = HEADER_PREFIX + "upstream-model";

  /**
   * Header with the byte span ({@code start,end}) of the body's top-level {@code model} string, set
   * per attempt by the upstream header edits of clusters whose rules' backends name different
   * upstream models, from the processor's metadata {@link #MODEL_SPAN}; the upstream model filter
   * writes the attempt's upstream model there, and the attempt's last filter removes it.
   */
  public static final String MODEL_SPAN_HEADER = HEADER_PREFIX + "model-span";

  /** Envoy's request id, the key of a reservation. */
  public static final String REQUEST_ID_HEADER = "x-request-id";

  /**
   * Response header naming the provider that served an attempt (namespace/name), set by Envoy from
   * the endpoint's metadata; the processor reads and removes it before the client.
   */
  public static final String PROVIDER_HEADER = HEADER_PREFIX + "provider";

  /**
   * Response header the rate-limit service adds to a reserve it allows when the charge reaches a
   * quota's warning level (Envoy's rate-limit filter passes it on); the processor's ledger record
   * then says {@code warned}, and the client sees it.
   */
  public static final String QUOTA_WARNING_HEADER = HEADER_PREFIX + "quota-warning";

  /**
   * Response header the rate-limit service adds to a refusal when a budget that no body can change
   * (every route of the namespace, not per model, not Cost) is exhausted by settled usage alone:
   * {@code scope=client|namespace;until=EPOCH_SECONDS;family=tokens|requests;limit=AMOUNT}. The
   * processor remembers it, refuses that client's next requests at their headers until the window
   * ends, and removes the header before the client.
   */
  public static final String BUDGET_EXHAUSTED_HEADER = HEADER_PREFIX + "budget-exhausted";

  /**
   * Envoy's count of upstream attempts, which the router adds to the response because the virtual
   * host sets {@code include_attempt_count_in_response}; the processor reads it into the ledger
   * record and removes it before the client.
   */
  public static final String ATTEMPT_COUNT_HEADER = "x-envoy-attempt-count";

  /** Header of the upstream path filter: prepended to the path. */
  public static final String PATH_PREFIX_HEADER = HEADER_PREFIX + "path-prefix";

  /** Header of the upstream path filter: removed from the start of the path. */
  public static final String PATH_STRIP_HEADER = HEADER_PREFIX + "path-strip";

  /** Header of the upstream path filter: appended as query parameters. */
  public static final String PATH_QUERY_HEADER = HEADER_PREFIX + "path-query";

  /**
   * Header of the upstream path filter: the base that replaces {@code /v1} on Responses API paths
   * ({@code /v1/responses...}), whose provider path differs from its other APIs' (Azure OpenAI).
   */
  public static final String PATH_RESPONSES_HEADER = HEADER_PREFIX + "path-responses";

  /** Header naming the credential an aggregate cluster's chosen member needs. */
  public static final String CREDENTIAL_HEADER = HEADER_PREFIX + "credential";

  /**
   * Header set per attempt by a translating cluster's header edits: {@code <client API>-to-<backend
   * API>}, the client's API from the processor's metadata {@link #CLIENT_API}. The attempt
   * translator runs only when it is {@link #OPENAI_TO_ANTHROPIC} or {@link #ANTHROPIC_TO_OPENAI},
   * and removes it; the attempt's last filter removes it on every other attempt.
   */
  public static final String TRANSLATION_HEADER = HEADER_PREFIX + "translation";

  /**
   * The headers the upstream filters of one attempt pass between themselves: set again on every
   * attempt (from the cluster, the chosen endpoint's metadata or the processor's metadata) and
   * removed by the attempt's last filter, so none reaches a provider.
   */
  public static final List<String> ATTEMPT_HEADERS =
      List.of(UPSTREAM_MODEL_HEADER, MODEL_SPAN_HEADER, TRANSLATION_HEADER);

  /** Value of {@link #CLIENT_API}: OpenAI's Chat Completions. */
  public static final String API_OPENAI = "openai";

  /** Value of {@link #CLIENT_API}: Anthropic's Messages. */
  public static final String API_ANTHROPIC = "anthropic";

  /** {@link #TRANSLATION_HEADER} prefix of an attempt from an OpenAI client to Anthropic. */
  public static final String OPENAI_TO_ANTHROPIC = API_OPENAI + "-to-" + API_ANTHROPIC;

  /** {@link #TRANSLATION_HEADER} prefix of an attempt from an Anthropic client to OpenAI. */
  public static final String ANTHROPIC_TO_OPENAI = API_ANTHROPIC + "-to-" + API_OPENAI;

  /**
   * gRPC metadata key Envoy's upstream ext_proc filter sends, with the value {@link
   * #STAGE_ATTEMPT}: the processor serves that stream as one attempt's translation, never as a
   * client's request. Clients cannot set gRPC metadata.
   */
  public static final String STAGE_METADATA = "x-tollgate-stage";

  /** Value of {@link #STAGE_METADATA}: the stream translates one upstream attempt. */
  public static final String STAGE_ATTEMPT = "attempt";

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
          MODEL_SPAN_HEADER,
          PATH_PREFIX_HEADER,
          PATH_STRIP_HEADER,
          PATH_QUERY_HEADER,
          PATH_RESPONSES_HEADER,
          CREDENTIAL_HEADER,
          PROVIDER_HEADER,
          TRANSLATION_HEADER);

  /** Client credentials that must never reach a provider. */
  public static final List<String> CLIENT_CREDENTIAL_HEADERS =
      List.of("authorization", "x-api-key", "api-key");

  /**
   * Client headers that select a provider-side account, project or feature set: under the
   * platform's key they would bill another organisation or project, or turn on beta APIs Tollgate
   * does not meter. No provider spec sets them today, so they never reach a provider.
   */
  public static final List<String> PROVIDER_SELECTING_HEADERS =
      List.of(
          "openai-organization",
          "openai-project",
          "openai-beta",
          "anthropic-beta",
          "azureml-model-deployment");

  /**
   * A provider's response headers that never reach a client: its rate limits, which would collide
   * with the budget headers of the same names that Tollgate adds, and the organisation and project
   * of the platform's key.
   */
  public static final List<String> PROVIDER_RESPONSE_HEADERS =
      List.of(
          "x-ratelimit-limit-requests",
          "x-ratelimit-limit-tokens",
          "x-ratelimit-remaining-requests",
          "x-ratelimit-remaining-tokens",
          "x-ratelimit-reset-requests",
          "x-ratelimit-reset-tokens",
          "openai-organization",
          "openai-project");

  /** Dynamic metadata namespace the processor writes to. */
  public static final String METADATA_NAMESPACE = "tollgate";

  /** Metadata key: tokens to reserve at request start (prompt estimate + output cap). */
  public static final String RESERVE_TOKENS = "reserve_tokens";

  /** Metadata key: actual input tokens, from the response. */
  public static final String INPUT_TOKENS = "input_tokens";

  /** Metadata key: actual cached input tokens, from the response. */
  public static final String CACHED_INPUT_TOKENS = "cached_input_tokens";

  /** Metadata key: input tokens written to the provider's prompt cache, from the response. */
  public static final String CACHE_WRITE_INPUT_TOKENS = "cache_write_input_tokens";

  /** Metadata key: actual output tokens, from the response. */
  public static final String OUTPUT_TOKENS = "output_tokens";

  /** Metadata key: the provider that served the request, as namespace/name. */
  public static final String PROVIDER = "provider";

  /**
   * Metadata key: the request's OpenTelemetry {@code gen_ai.operation.name} ({@code chat}, {@code
   * text_completion}, {@code embeddings}), read by the gateway span's tags.
   */
  public static final String OPERATION = "operation";

  /**
   * Metadata key: the OpenTelemetry {@code gen_ai.provider.name} of the provider that served
   * ({@code openai}, {@code azure.ai.openai}, {@code anthropic}, ...).
   */
  public static final String PROVIDER_SYSTEM = "provider_system";

  /** Metadata key: the model the provider's response names. */
  public static final String RESPONSE_MODEL = "response_model";

  /**
   * Metadata key: the byte span ({@code start,end}) of the top-level {@code model} string of the
   * body sent, on requests whose rule's backends name different upstream models. State that every
   * attempt needs lives in metadata, never in a request header: upstream filters' header edits
   * persist into the next attempt, and a header left for the next attempt would reach a provider.
   */
  public static final String MODEL_SPAN = "model_span";

  /**
   * Metadata key: the client's API ({@link #API_OPENAI} or {@link #API_ANTHROPIC}), on calls to
   * rules whose backends speak both APIs: the clusters of such rules compare it with their
   * attempt's API to decide whether the attempt is translated.
   */
  public static final String CLIENT_API = "client_api";

  /**
   * Metadata key: the client's {@code anthropic-version}, on calls to rules whose backends speak
   * both APIs: their fallback clusters send it to Anthropic attempts only.
   */
  public static final String CLIENT_ANTHROPIC_VERSION = "client_anthropic_version";

  /**
   * Metadata key: the client's {@code anthropic-beta} cut to what the rule's Anthropic providers
   * allow, on Messages calls to rules whose backends speak both APIs: their fallback clusters send
   * it to Anthropic attempts only.
   */
  public static final String CLIENT_ANTHROPIC_BETA = "client_anthropic_beta";

  /**
   * Dynamic metadata namespace the upstream path filter writes to: the path the first attempt
   * started from ({@link #CLIENT_PATH}), so every attempt starts again from it.
   */
  public static final String UPSTREAM_PATH_NAMESPACE = "tollgate.upstream_path";

  /** Metadata key, in {@link #UPSTREAM_PATH_NAMESPACE}: the client's path. */
  public static final String CLIENT_PATH = "client_path";

  /** Descriptor key: the phase of the budget protocol, {@link #RESERVE} or {@link #COMMIT}. */
  public static final String PHASE = "tollgate_phase";

  /** Phase value at request start. */
  public static final String RESERVE = "reserve";

  /** Phase value at stream done. */
  public static final String COMMIT = "commit";

  /**
   * Metadata key: the phase of Envoy's stream-done commit descriptor. The processor writes {@link
   * #COMMIT} here when it routes a request, and an empty value in its answer to the response's last
   * message when it settles the request itself: an empty metadata value drops the descriptor, so
   * Envoy then makes no rate-limit call at stream done. A response that ends anywhere else (the
   * client gone, the processor gone, a body the processor does not read to its end) keeps the
   * value, and Envoy's commit is the backstop.
   */
  public static final String ENVOY_COMMIT_PHASE = "envoy_commit_phase";

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

  /** Descriptor key: input tokens written to the cache (commit). */
  public static final String CACHE_WRITE_INPUT_TOKENS_KEY = CACHE_WRITE_INPUT_TOKENS;

  /** Descriptor key: actual output tokens (commit). */
  public static final String OUTPUT_TOKENS_KEY = OUTPUT_TOKENS;

  /** Descriptor key: the provider that served the request (commit). */
  public static final String PROVIDER_KEY = PROVIDER;

  /** Value of {@link #PROVIDER_KEY} when the provider that served is not known. */
  public static final String UNKNOWN_PROVIDER = "none";

  private Wire() {}
}
