package dev.tollgate.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.tollgate.api.v1alpha1.BucketDimension;
import dev.tollgate.api.v1alpha1.DataClassification;
import dev.tollgate.api.v1alpha1.LimitType;
import dev.tollgate.api.v1alpha1.ProviderType;
import dev.tollgate.api.v1alpha1.QuotaMode;
import dev.tollgate.api.v1alpha1.RetryOn;
import dev.tollgate.api.v1alpha1.Window;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The intermediate representation of a whole gateway: every accepted resource with references
 * resolved and defaults applied, plus the computed status of every resource.
 *
 * <p>Immutable and deterministic: lists are sorted, and {@link #version()} is a content hash of
 * everything here including a hash of each credential. Credential values themselves are kept only
 * in {@link #credentialValues()}, which is never serialized.
 *
 * @param version content hash of the model
 * @param providers accepted providers, sorted by namespace and name
 * @param routes accepted routes, sorted by namespace and name
 * @param clients client API keys (as SHA-256 hashes), sorted by namespace, client and secret
 * @param quotas accepted quotas, sorted by namespace and name
 * @param statuses the conditions of every resource seen, sorted by resource
 * @param credentialValues provider keys by provider ({@code namespace/name}); never serialized
 */
@JsonPropertyOrder({"version", "providers", "routes", "clients", "quotas", "statuses"})
public record GatewayModel(
    String version,
    List<Provider> providers,
    List<Route> routes,
    List<Client> clients,
    List<Quota> quotas,
    List<ResourceStatusReport> statuses,
    @JsonIgnore Map<String, String> credentialValues) {

  /** Returns the provider with the given namespace and name, if accepted. */
  public Optional<Provider> provider(String namespace, String name) {
    return providers.stream()
        .filter(p -> p.namespace().equals(namespace) && p.name().equals(name))
        .findFirst();
  }

  /** Returns the key of a provider with a credential; never serialized or logged. */
  public String credentialValue(Provider provider) {
    String value = credentialValues.get(provider.namespace() + "/" + provider.name());
    if (value == null) {
      throw new IllegalArgumentException(
          "provider " + provider.namespace() + "/" + provider.name() + " has no credential");
    }
    return value;
  }

  /** Returns the status report of a resource, if it was seen. */
  public Optional<ResourceStatusReport> status(ResourceRef ref) {
    return statuses.stream().filter(s -> s.resource().equals(ref)).findFirst();
  }

  /**
   * An accepted ModelProvider.
   *
   * @param namespace namespace of the provider
   * @param name name of the provider
   * @param type the API it speaks
   * @param upstream where it is reached
   * @param credential how its key is injected, or null when it needs none
   * @param azureApiVersion the api-version of an AzureOpenAI provider, else null
   * @param anthropic the settings of an Anthropic provider, else null
   * @param models offered models, sorted by name
   * @param connection connection settings with defaults applied
   * @param clearance the most sensitive classification it is cleared for
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Provider(
      String namespace,
      String name,
      ProviderType type,
      Upstream upstream,
      Credential credential,
      String azureApiVersion,
      Anthropic anthropic,
      List<OfferedModel> models,
      Connection connection,
      DataClassification clearance) {

    /** Returns the offered model with this name, if any. */
    public Optional<OfferedModel> model(String modelName) {
      return models.stream().filter(m -> m.name().equals(modelName)).findFirst();
    }
  }

  /**
   * What an Anthropic provider sends upstream besides the key.
   *
   * @param version the {@code anthropic-version} sent when the client sends none
   * @param betas the {@code anthropic-beta} values clients may send, sorted
   */
  public record Anthropic(String version, List<String> betas) {}

  /**
   * Where a provider is reached.
   *
   * @param host DNS name or IP address
   * @param port TCP port
   * @param tls whether to connect with TLS
   * @param basePath path prefix of every request, empty or starting with a slash
   * @param apiPath the path after {@code basePath} that replaces the client's {@code /v1} (an
   *     OpenAICompatible provider's {@code openAICompatible.apiPath}), or null for {@code /v1}
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Upstream(String host, int port, boolean tls, String basePath, String apiPath) {}

  /**
   * Where a provider's key comes from. How it reaches the provider (which header, in which form) is
   * the data plane's choice, made from the provider's type unless an OpenAICompatible provider
   * names them; the key itself is in {@link GatewayModel#credentialValue}.
   *
   * @param secretName the Secret in the provider's namespace that holds the key
   * @param secretKey the key of the Secret's data that holds it
   * @param valueSha256 SHA-256 of the key, so that a rotated key changes the version
   * @param header the header the spec names for the key ({@code openAICompatible.keyHeader}), or
   *     null for the type's
   * @param scheme the word before the key the spec names ({@code openAICompatible.keyScheme}, empty
   *     for the bare key), or null for the default
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Credential(
      String secretName, String secretKey, String valueSha256, String header, String scheme) {}

  /**
   * A model offered by a provider.
   *
   * @param name the model's name at the provider
   * @param deployment the AzureOpenAI deployment, else null
   * @param contextWindow context window in tokens, or null when unknown
   * @param price prices, or null when unpriced
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record OfferedModel(String name, String deployment, Long contextWindow, Price price) {}

  /**
   * Prices per million tokens.
   *
   * @param currency ISO 4217 code
   * @param inputPerMillion price of a million input tokens
   * @param outputPerMillion price of a million output tokens
   * @param cachedInputPerMillion price of a million cached input tokens
   * @param cacheWriteInputPerMillion price of a million input tokens written to the cache
   */
  public record Price(
      String currency,
      BigDecimal inputPerMillion,
      BigDecimal outputPerMillion,
      BigDecimal cachedInputPerMillion,
      BigDecimal cacheWriteInputPerMillion) {}

  /**
   * Connection settings of a provider.
   *
   * @param connectTimeoutMillis connect timeout
   * @param maxConcurrentRequests most requests in flight
   * @param outlierDetection outlier detection, or null when off
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Connection(
      long connectTimeoutMillis, int maxConcurrentRequests, OutlierDetection outlierDetection) {}

  /**
   * Outlier detection settings.
   *
   * @param consecutive5xx consecutive failures before ejection
   * @param baseEjectionMillis base ejection time
   * @param maxEjectionPercent most hosts ejected at once
   */
  public record OutlierDetection(
      int consecutive5xx, long baseEjectionMillis, int maxEjectionPercent) {}

  /**
   * An accepted AIRoute.
   *
   * @param namespace namespace of the route
   * @param name name of the route
   * @param classification data classification of its traffic
   * @param rules its rules, in spec order
   * @param jwt JWT settings, or null when only API keys are accepted
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Route(
      String namespace,
      String name,
      DataClassification classification,
      List<Rule> rules,
      Jwt jwt) {}

  /**
   * A rule of a route.
   *
   * @param index position in spec.rules
   * @param models requested model names, sorted
   * @param backends backends, sorted by priority, then weight (descending), then provider
   * @param retry retry policy with defaults applied
   * @param timeoutMillis whole-request timeout
   * @param reserveOutputTokens output tokens reserved per choice for a request that sets no output
   *     cap, or null to size the reserve from the model's recent completions
   * @param tier the cheaper tier its requests fall to when a budget runs low, or null
   */
  public record Rule(
      int index,
      List<String> models,
      List<Backend> backends,
      Retry retry,
      long timeoutMillis,
      @JsonInclude(JsonInclude.Include.NON_NULL) Integer reserveOutputTokens,
      @JsonInclude(JsonInclude.Include.NON_NULL) Tier tier) {
    /**
     * Whether the backends name more than one upstream model, so that the body's {@code model} is
     * chosen per attempt (by the upstream model filter) rather than once by the processor.
     */
    public boolean upstreamModelPerAttempt() {
      return backends.stream().map(Backend::model).distinct().count() > 1;
    }
  }

  /**
   * The cheaper tier of a rule (docs/governance.md, "Tiered use when budgets run low").
   *
   * @param model a model name another rule of the same route serves
   * @param atWarn whether requests fall once a budget is past its warn threshold (else only when an
   *     enforced budget cannot hold them)
   */
  public record Tier(String model, boolean atWarn) {}

  /**
   * A backend of a rule.
   *
   * @param providerNamespace namespace of the provider
   * @param providerName name of the provider
   * @param model model name sent upstream
   * @param weight share among backends of the same priority
   * @param priority fallback tier, 0 first
   */
  public record Backend(
      String providerNamespace, String providerName, String model, int weight, int priority) {}

  /**
   * Retry policy.
   *
   * @param attempts retries after the first attempt
   * @param on outcomes that trigger a retry, sorted
   * @param perTryTimeoutMillis timeout of each attempt, 0 for none
   */
  public record Retry(int attempts, List<RetryOn> on, long perTryTimeoutMillis) {}

  /**
   * JWT authentication settings of a route.
   *
   * @param issuer required issuer
   * @param jwksUri where the keys are
   * @param audiences accepted audiences, empty for any
   * @param clientClaim claim naming the client
   */
  public record Jwt(String issuer, String jwksUri, List<String> audiences, String clientClaim) {}

  /**
   * A client API key.
   *
   * @param namespace namespace of the key and of the routes it may call
   * @param clientId the client's id
   * @param keySha256 hex SHA-256 of the key
   * @param secretName the Secret it came from
   * @param routes names of the routes whose {@code clients.apiKeys} select its Secret, sorted: the
   *     only routes it may call
   * @param models the requested model names the key may call, sorted; empty for every model of its
   *     routes
   * @param expiresAt when the key stops working (an ISO-8601 instant), or null when it does not
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Client(
      String namespace,
      String clientId,
      String keySha256,
      String secretName,
      List<String> routes,
      @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> models,
      String expiresAt) {}

  /**
   * An accepted TokenQuota.
   *
   * @param namespace namespace of the quota
   * @param name name of the quota
   * @param routes names of the routes it applies to, sorted; empty for all in the namespace
   * @param namespaces for a platform quota (one with {@code spec.namespaceSelector}), the
   *     namespaces it covers, sorted; null for a team quota, which covers its own namespace
   * @param mode Enforce or Warn
   * @param warnAtPercent soft threshold
   * @param timeZone IANA zone of day and month windows
   * @param limits the budgets
   * @param unpriced the (route, model) pairs its Cost limits cannot price, sorted: requests for
   *     them are refused instead of going unmetered
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Quota(
      String namespace,
      String name,
      List<String> routes,
      List<String> namespaces,
      QuotaMode mode,
      int warnAtPercent,
      String timeZone,
      List<Limit> limits,
      @JsonInclude(JsonInclude.Include.NON_EMPTY) List<Unpriced> unpriced) {

    /**
     * Returns whether this quota applies to a route: for a platform quota, one in a covered
     * namespace; for a team quota, one of its namespace, named in its routes or any when it names
     * none. The xDS translation (which routes send budget descriptors) and the rate-limit service
     * (which budgets a descriptor charges) both ask this.
     */
    public boolean appliesTo(String routeNamespace, String routeName) {
      if (namespaces != null) {
        return namespaces.contains(routeNamespace);
      }
      return namespace.equals(routeNamespace) && (routes.isEmpty() || routes.contains(routeName));
    }

    /** Returns whether this quota is a platform quota, bucketed per covered namespace. */
    @JsonIgnore
    public boolean platform() {
      return namespaces != null;
    }
  }

  /**
   * A requested model of a route that a quota's Cost limit cannot price.
   *
   * @param routeNamespace namespace of the route
   * @param route name of the route
   * @param model the requested model name
   * @param limit the Cost limit that cannot price it
   * @param provider the unpriced backend's provider, {@code namespace/name}
   * @param upstreamModel the backend's model at that provider
   */
  public record Unpriced(
      String routeNamespace,
      String route,
      String model,
      String limit,
      String provider,
      String upstreamModel) {}

  /**
   * One budget.
   *
   * @param name name of the limit
   * @param type what is counted
   * @param amount the budget per window
   * @param currency currency of a Cost budget, else null
   * @param window the window
   * @param per bucket dimensions, sorted
   * @param clients named clients' own amounts, sorted by client; empty when none
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Limit(
      String name,
      LimitType type,
      BigDecimal amount,
      String currency,
      Window window,
      List<BucketDimension> per,
      @JsonInclude(JsonInclude.Include.NON_EMPTY) List<ClientAmount> clients) {}

  /**
   * A named client's own amount of a limit.
   *
   * @param client the client id
   * @param amount its budget per window
   */
  public record ClientAmount(String client, BigDecimal amount) {}
}
