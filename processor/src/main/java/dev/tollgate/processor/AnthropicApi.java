package dev.tollgate.processor;

import static dev.tollgate.processor.ExtProcMessages.set;

import dev.tollgate.model.Wire;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import java.util.List;
import java.util.Set;
import java.util.StringJoiner;

/**
 * The client side of Anthropic's Messages API ({@code POST /v1/messages} and {@code
 * /v1/messages/count_tokens}): which backends may serve a call, the request rules Tollgate applies
 * before the budget (Anthropic requires {@code max_tokens}; counting tokens reserves and charges
 * nothing), and the {@code anthropic-beta} values that reach the provider. Pure functions.
 */
final class AnthropicApi {
  static final String MESSAGES = "/v1/messages";
  static final String COUNT_TOKENS = "/v1/messages/count_tokens";
  static final String BETA_HEADER = "anthropic-beta";
  static final String VERSION_HEADER = "anthropic-version";

  private AnthropicApi() {}

  /** Whether a path is one of the Messages API's calls, whose errors take Anthropic's shape. */
  static boolean serves(String path) {
    return path.equals(MESSAGES) || path.equals(COUNT_TOKENS);
  }

  /**
   * Whether the request's path is a Messages call with the query {@code beta=true} and nothing
   * else: what the Anthropic SDKs' beta client (and so Claude Code) sends. It only tells the SDK's
   * own routing apart; the path is sent on without it.
   */
  static boolean betaQuery(RequestHead head) {
    return serves(head.path()) && "beta=true".equals(head.query());
  }

  /** The request headers answer with the path set to its part without the query. */
  static ProcessingResponse withoutQuery(ProcessingResponse answer, String path) {
    ProcessingResponse.Builder builder = answer.toBuilder();
    builder
        .getRequestHeadersBuilder()
        .getResponseBuilder()
        .getHeaderMutationBuilder()
        .addSetHeaders(set(":path", path));
    return builder.build();
  }

  /**
   * Refuses a call the rule's backends cannot serve: an OpenAI-style call other than chat
   * completions to a rule with an Anthropic backend (chat completions and Messages calls {@link
   * TranslatedCall} translates, for every attempt or for those whose backend needs it), or a
   * Messages call without {@code max_tokens}.
   */
  static void check(String path, RequestBody body, Policy.Target target)
      throws Rejection.Exception {
    boolean anthropicCall = serves(path);
    if (!anthropicCall
        && target.api() != Policy.BackendApi.OPENAI
        && !TranslatedCall.needed(path, target)) {
      throw refusal(
          "unsupported_api",
          "The model '"
              + target.requestedModel()
              + "' is served by Anthropic providers"
              + (target.api() == Policy.BackendApi.MIXED ? " and others" : "")
              + "; call it with POST /v1/messages or POST /v1/chat/completions, which Tollgate"
              + " translates to Anthropic's Messages API where needed.");
    }
    if (path.equals(MESSAGES) && body.maxOutputTokens() < 0) {
      // Anthropic's own answer to a body without it.
      throw refusal("missing_max_tokens", "max_tokens: Field required");
    }
  }

  /**
   * Whether the gateway answers a count_tokens call itself, from its own estimate: OpenAI-style
   * providers have no such call, and a rule mixing both APIs may send it to one.
   */
  static boolean answersCountTokens(String path, Policy.Target target) {
    return path.equals(COUNT_TOKENS) && target.api() != Policy.BackendApi.ANTHROPIC;
  }

  /** The answer to a count_tokens call the gateway answers itself. */
  static byte[] countTokensAnswer(long estimate) {
    return ("{\"input_tokens\":" + estimate + "}")
        .getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  /**
   * A count_tokens call: routed and authorised like a message, but it generates nothing and the
   * provider does not charge for it, so nothing is reserved or committed.
   */
  static ModelRequest countTokens(RequestRouter.RoutingDecision routing) {
    return new ModelRequest(
        routing.target(),
        routing.client(),
        false,
        0,
        0,
        0,
        0,
        1,
        OutputReserves.Source.NONE,
        List.of(),
        null);
  }

  /**
   * The body answer with the client's {@code anthropic-beta} cut to the values the rule's providers
   * allow, or the header removed when none is left.
   */
  static ProcessingResponse withBetas(
      ProcessingResponse answer, String clientBetas, Set<String> allowed) {
    if (clientBetas == null) {
      return answer;
    }
    String kept = allowedBetas(clientBetas, allowed);
    ProcessingResponse.Builder builder = answer.toBuilder();
    var mutation = builder.getRequestBodyBuilder().getResponseBuilder().getHeaderMutationBuilder();
    if (kept == null) {
      mutation.addRemoveHeaders(BETA_HEADER);
    } else {
      mutation.addSetHeaders(set(BETA_HEADER, kept));
    }
    return builder.build();
  }

  /**
   * The body answer of a Messages call to a rule whose backends speak both APIs, with the client's
   * {@code anthropic-version} and allowed {@code anthropic-beta} in the metadata: the rule's
   * fallback clusters send them to Anthropic attempts only, and their header edits persist into the
   * next attempt, so the headers themselves cannot carry them past an OpenAI attempt.
   */
  static ProcessingResponse withMixedRuleHeaders(
      ProcessingResponse answer, String clientVersion, String clientBetas, Set<String> allowed) {
    String kept = clientBetas == null ? null : allowedBetas(clientBetas, allowed);
    if (clientVersion == null && kept == null) {
      return answer;
    }
    ProcessingResponse.Builder builder = answer.toBuilder();
    if (clientVersion != null) {
      ExtProcMessages.putMetadata(builder, Wire.CLIENT_ANTHROPIC_VERSION, clientVersion);
    }
    if (kept != null) {
      ExtProcMessages.putMetadata(builder, Wire.CLIENT_ANTHROPIC_BETA, kept);
    }
    return builder.build();
  }

  /** The client's betas that {@code allowed} lists, comma-separated, or null when none is. */
  private static String allowedBetas(String clientBetas, Set<String> allowed) {
    StringJoiner kept = new StringJoiner(",");
    for (String beta : clientBetas.split(",")) {
      String b = beta.trim();
      if (!b.isEmpty() && allowed.contains(b)) {
        kept.add(b);
      }
    }
    return kept.length() == 0 ? null : kept.toString();
  }

  private static Rejection.Exception refusal(String code, String message) {
    return new Rejection.Exception(
        new Rejection(400, "invalid_request_error", code, message, null));
  }
}
