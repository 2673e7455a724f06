package dev.tollgate.model;

import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The (method, path) pairs Tollgate serves: the calls it meters and sends to a provider with the
 * platform's key, and the calls it answers itself. Nothing else reaches a provider; the xDS routes
 * and the processor both read this one table, so a new API is one row here.
 */
public final class MeteredApis {
  /** Who answers a call. */
  public enum ServedBy {
    /** A provider, with the platform's key, after the budget reservation. */
    PROVIDER,
    /** The processor, without a provider (e.g. the model list). */
    GATEWAY
  }

  /**
   * One call Tollgate serves.
   *
   * @param method the HTTP method
   * @param path the exact path, or the path prefix when {@code prefix} is set
   * @param prefix whether {@code path} is a prefix (e.g. {@code /v1/models/{id}})
   * @param servedBy who answers it
   * @param operation OpenTelemetry's {@code gen_ai.operation.name}, or null when no model runs
   * @param api the client API the usage ledger names ({@code chat}, {@code text_completion}, {@code
   *     embeddings}, {@code responses}, {@code messages}); {@code other} for a call that runs no
   *     model
   */
  public record Endpoint(
      String method, String path, boolean prefix, ServedBy servedBy, String operation, String api) {
    private static final Pattern SAFE_PATH = Pattern.compile("/[a-z0-9_/]+");

    /** Checks that a path needs no escaping in a route's regular expression. */
    public Endpoint {
      if (!SAFE_PATH.matcher(path).matches()) {
        throw new IllegalArgumentException("path with characters a route must escape: " + path);
      }
    }

    /** Whether a path without its query string is this endpoint's. */
    public boolean matchesPath(String requestPath) {
      return prefix ? requestPath.startsWith(path) : requestPath.equals(path);
    }

    /** The message of the 400 to a call of a gateway-answered endpoint that sends a body. */
    public String noBodyMessage() {
      return method + " " + path + " takes no request body.";
    }
  }

  /** Every call Tollgate serves, provider calls first, in a fixed order. */
  public static final List<Endpoint> ALL =
      List.of(
          new Endpoint("POST", "/v1/chat/completions", false, ServedBy.PROVIDER, "chat", "chat"),
          new Endpoint(
              "POST",
              "/v1/completions",
              false,
              ServedBy.PROVIDER,
              "text_completion",
              "text_completion"),
          new Endpoint(
              "POST", "/v1/embeddings", false, ServedBy.PROVIDER, "embeddings", "embeddings"),
          // OpenAI's Responses API and Anthropic's Messages API: OpenTelemetry names both
          // operations chat; the ledger keeps the API apart.
          new Endpoint("POST", "/v1/responses", false, ServedBy.PROVIDER, "chat", "responses"),
          new Endpoint("POST", "/v1/messages", false, ServedBy.PROVIDER, "chat", "messages"),
          new Endpoint(
              "POST", "/v1/messages/count_tokens", false, ServedBy.PROVIDER, "other", "other"),
          new Endpoint("GET", "/v1/models", false, ServedBy.GATEWAY, null, "other"),
          new Endpoint("GET", "/v1/models/", true, ServedBy.GATEWAY, null, "other"));

  /** The API the ledger records for a request path without its query: {@code other} if unserved. */
  public static String apiOfPath(String path) {
    for (Endpoint endpoint : PROVIDER_CALLS) {
      if (endpoint.matchesPath(path)) {
        return endpoint.api();
      }
    }
    return "other";
  }

  /** The calls sent to a provider. */
  public static final List<Endpoint> PROVIDER_CALLS =
      ALL.stream().filter(e -> e.servedBy() == ServedBy.PROVIDER).toList();

  /** One line listing every call, for error messages. */
  public static final String SUMMARY =
      String.join(
          ", ",
          ALL.stream().map(e -> e.method() + " " + e.path() + (e.prefix() ? "{id}" : "")).toList());

  /** The message of the 404 to a path Tollgate serves no call on. */
  public static final String UNKNOWN_PATH_MESSAGE =
      "Tollgate does not serve this path. It serves " + SUMMARY + ".";

  private MeteredApis() {}

  /** The message of the 405 to a served path called with another method. */
  public static String methodNotAllowedMessage(String allow) {
    return "This path accepts only " + allow + ".";
  }

  /** The {@code Allow} header of a path: its methods, sorted and comma-separated. */
  public static String allowOf(String path) {
    return String.join(", ", methodsOf(path));
  }

  /** The endpoint of a request, if Tollgate serves it. */
  public static Optional<Endpoint> of(String method, String path) {
    return ALL.stream().filter(e -> e.method().equals(method) && e.matchesPath(path)).findFirst();
  }

  /** The methods served on a path, sorted; empty when Tollgate serves no call on it. */
  public static List<String> methodsOf(String path) {
    TreeSet<String> methods = new TreeSet<>();
    ALL.stream().filter(e -> e.matchesPath(path)).forEach(e -> methods.add(e.method()));
    return List.copyOf(methods);
  }
}
