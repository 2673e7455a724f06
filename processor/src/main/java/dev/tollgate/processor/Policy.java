package dev.tollgate.processor;

import com.knuddels.jtokkit.api.Encoding;
import dev.tollgate.api.v1alpha1.ProviderType;
import dev.tollgate.model.GatewayModel;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Everything the processor looks up per request, computed once per {@link GatewayModel} version so
 * that the request path does hash lookups and no scans: API keys by hash, routes by (namespace,
 * requested model) with their tokenizer, output bound and prices, JWT routes by issuer, and the
 * model lists that {@code /v1/models} and 404 answers show. Immutable and thread-safe.
 */
final class Policy {
  /**
   * A route as the processor sees it.
   *
   * @param namespace namespace of the route
   * @param name name of the route
   * @param jwt its JWT settings, or null
   * @param models the requested model names it serves, sorted
   */
  record RouteView(String namespace, String name, GatewayModel.Jwt jwt, List<String> models) {}

  /**
   * Where a (namespace, requested model) goes, and what the processor needs to account for it.
   *
   * @param route the route
   * @param requestedModel the model name the client asked for
   * @param upstreamModelRewrite the model name to write into the body, when every backend of the
   *     rule serves one upstream model different from the requested name; else null
   * @param modelPerAttempt whether the rule's backends name different upstream models (or, on
   *     {@code /v1/responses}, some backend is an Azure OpenAI deployment), so that Envoy's
   *     upstream model filter writes each attempt's model at the span the processor marks
   * @param tokenizer the tokenizer of the first backend's upstream model
   * @param estimateEncodings the distinct encodings of every backend's upstream model: the input
   *     estimate is the largest count among them, since the reserve is made before Envoy picks the
   *     attempt's backend
   * @param contextWindow the largest context window among the backends, or null when none is known
   * @param onlyProvider the provider when all backends share one, as namespace/name; else null
   * @param prices price per provider (namespace/name) of the model it serves for this rule
   * @param systems the OpenTelemetry {@code gen_ai.provider.name} per provider
   * @param readsMaxCompletionTokens whether every provider of the rule reads Chat Completions'
   *     {@code max_completion_tokens} (OpenAI, Azure OpenAI from api-version 2024-09-01); else the
   *     output cap is written as {@code max_tokens}, which every OpenAI-style server reads
   * @param unpriced why a quota's Cost limit refuses this model because it cannot price it, or null
   *     when it is priced or no Cost limit applies
   * @param api the API the rule's backends speak
   * @param anthropicBetas the {@code anthropic-beta} values every Anthropic provider of the rule
   *     allows, sorted; empty when none or when the rule has no Anthropic provider
   * @param rule the index of the AIRoute rule that matched, for the ledger
   */
  record Target(
      RouteView route,
      String requestedModel,
      String upstreamModelRewrite,
      boolean modelPerAttempt,
      TokenEstimator.Tokenizer tokenizer,
      List<Encoding> estimateEncodings,
      Long contextWindow,
      String onlyProvider,
      Map<String, GatewayModel.Price> prices,
      Map<String, String> systems,
      boolean readsMaxCompletionTokens,
      String unpriced,
      BackendApi api,
      Set<String> anthropicBetas,
      int rule) {

    /** This target with another way of writing the upstream model into the body. */
    Target writingModel(String upstreamModelRewrite, boolean modelPerAttempt) {
      return new Target(
          route,
          requestedModel,
          upstreamModelRewrite,
          modelPerAttempt,
          tokenizer,
          estimateEncodings,
          contextWindow,
          onlyProvider,
          prices,
          systems,
          readsMaxCompletionTokens,
          unpriced,
          api,
          anthropicBetas,
          rule);
    }
  }

  /** The API the backends of a rule speak. */
  enum BackendApi {
    /** OpenAI's (OpenAI, Azure OpenAI, OpenAI-compatible providers). */
    OPENAI,
    /** Anthropic's Messages API. */
    ANTHROPIC,
    /** Some of each: a request in either API would need translation for some attempts. */
    MIXED
  }

  /**
   * The cheaper tier of a requested model.
   *
   * @param target where its requests go when they fall: the tier's target, with the tier's upstream
   *     model always written into the body
   * @param atWarn whether requests fall at the warn threshold too, not only when exhausted
   */
  record Tier(Target target, boolean atWarn) {}

  private record ApiKey(byte[] sha256, GatewayModel.Client client) {}

  private record JwtRoute(RouteView route, GatewayModel.Jwt jwt) {}

  private final String version;
  private final Map<Long, List<ApiKey>> keysByPrefix = new HashMap<>();
  private final Map<String, List<RouteView>> routesByNamespace = new HashMap<>();
  private final Map<String, Target> targets = new HashMap<>();
  private final Map<String, Tier> tiers = new HashMap<>();
  private final Map<String, List<RouteView>> jwtRoutesByIssuer = new HashMap<>();
  private final Map<GatewayModel.Client, List<RouteView>> routesByClient = new IdentityHashMap<>();
  private final Map<GatewayModel.Client, Instant> expiryByClient = new IdentityHashMap<>();
  private final Set<String> providers = new TreeSet<>();
  private final Map<String, BackendApi> apiByProvider = new HashMap<>();
  private final Set<String> tokenizerModels = new TreeSet<>();

  private Policy(String version) {
    this.version = version;
  }

  /** Computes the lookups of a model. */
  static Policy of(GatewayModel model, TokenEstimator estimator) {
    Policy policy = new Policy(model.version());
    Map<String, GatewayModel.Provider> providersByName = new TreeMap<>();
    for (GatewayModel.Provider p : model.providers()) {
      providersByName.put(p.namespace() + "/" + p.name(), p);
      policy.providers.add(p.namespace() + "/" + p.name());
      policy.apiByProvider.put(
          p.namespace() + "/" + p.name(),
          p.type() == ProviderType.Anthropic ? BackendApi.ANTHROPIC : BackendApi.OPENAI);
    }
    Map<String, String> unpriced = UnpricedModels.refusals(model);
    for (GatewayModel.Route route : model.routes()) {
      Set<String> served = new TreeSet<>();
      route.rules().forEach(r -> served.addAll(r.models()));
      RouteView view =
          new RouteView(route.namespace(), route.name(), route.jwt(), List.copyOf(served));
      policy.routesByNamespace.computeIfAbsent(route.namespace(), k -> new ArrayList<>()).add(view);
      if (route.jwt() != null) {
        policy
            .jwtRoutesByIssuer
            .computeIfAbsent(route.jwt().issuer(), k -> new ArrayList<>())
            .add(view);
      }
      for (GatewayModel.Rule rule : route.rules()) {
        for (String requested : rule.models()) {
          policy.targets.put(
              key(route.namespace(), requested),
              target(
                  view,
                  rule,
                  requested,
                  providersByName,
                  estimator,
                  policy.tokenizerModels,
                  unpriced.get(UnpricedModels.key(route.namespace(), route.name(), requested))));
        }
      }
    }
    Tiers.index(model, policy.targets, policy.tiers);
    HexFormat hex = HexFormat.of();
    for (GatewayModel.Client client : model.clients()) {
      byte[] sha = hex.parseHex(client.keySha256());
      List<RouteView> allowed =
          policy.routes(client.namespace()).stream()
              .filter(r -> client.routes().contains(r.name()))
              .toList();
      policy
          .keysByPrefix
          .computeIfAbsent(prefix(sha), k -> new ArrayList<>(1))
          .add(new ApiKey(sha, client));
      policy.routesByClient.put(client, allowed);
      if (client.expiresAt() != null) {
        policy.expiryByClient.put(client, Instant.parse(client.expiresAt()));
      }
    }
    return policy;
  }

  private static Target target(
      RouteView view,
      GatewayModel.Rule rule,
      String requested,
      Map<String, GatewayModel.Provider> providers,
      TokenEstimator estimator,
      Set<String> tokenizerModels,
      String unpriced) {
    Set<String> upstreamModels = new LinkedHashSet<>();
    Set<String> providerNames = new TreeSet<>();
    Map<String, GatewayModel.Price> prices = new TreeMap<>();
    Map<String, String> systems = new TreeMap<>();
    Long window = null;
    boolean readsMaxCompletionTokens = true;
    Set<ProviderType> types = new TreeSet<>();
    Set<String> betas = null;
    for (GatewayModel.Backend backend : rule.backends()) {
      String providerName = backend.providerNamespace() + "/" + backend.providerName();
      upstreamModels.add(backend.model());
      providerNames.add(providerName);
      GatewayModel.Provider provider = providers.get(providerName);
      if (provider == null) {
        readsMaxCompletionTokens = false;
        continue;
      }
      readsMaxCompletionTokens &= readsMaxCompletionTokens(provider);
      types.add(provider.type());
      if (provider.anthropic() != null) {
        if (betas == null) {
          betas = new TreeSet<>(provider.anthropic().betas());
        } else {
          betas.retainAll(provider.anthropic().betas());
        }
      }
      systems.putIfAbsent(providerName, system(provider.type()));
      var offered = provider.model(backend.model());
      if (offered.isPresent()) {
        if (offered.get().price() != null) {
          prices.putIfAbsent(providerName, offered.get().price());
        }
        Long w = offered.get().contextWindow();
        if (w != null && (window == null || w > window)) {
          window = w;
        }
      }
    }
    String first = rule.backends().get(0).model();
    tokenizerModels.addAll(upstreamModels);
    String rewrite = upstreamModels.size() == 1 && !first.equals(requested) ? first : null;
    List<Encoding> encodings =
        upstreamModels.stream().map(m -> estimator.forModel(m).encoding()).distinct().toList();
    return new Target(
        view,
        requested,
        rewrite,
        rule.upstreamModelPerAttempt(),
        estimator.forModel(first),
        encodings,
        window,
        providerNames.size() == 1 ? providerNames.iterator().next() : null,
        Map.copyOf(prices),
        Map.copyOf(systems),
        readsMaxCompletionTokens,
        unpriced,
        !types.contains(ProviderType.Anthropic)
            ? BackendApi.OPENAI
            : types.size() == 1 ? BackendApi.ANTHROPIC : BackendApi.MIXED,
        betas == null ? Set.of() : java.util.Collections.unmodifiableSet(betas),
        rule.index());
  }

  /** Azure OpenAI added {@code max_completion_tokens} in api-version 2024-09-01-preview. */
  private static final String AZURE_MAX_COMPLETION_TOKENS_SINCE = "2024-09-01";

  private static boolean readsMaxCompletionTokens(GatewayModel.Provider provider) {
    return switch (provider.type()) {
      case OpenAI -> true;
      case AzureOpenAI -> {
        String version = provider.azureApiVersion();
        // Versions are dates (YYYY-MM-DD, optionally -preview), so they compare as strings.
        yield version != null && version.compareTo(AZURE_MAX_COMPLETION_TOKENS_SINCE) >= 0;
      }
      case OpenAICompatible, Anthropic -> false;
    };
  }

  /** OpenTelemetry's {@code gen_ai.provider.name} of Azure OpenAI. */
  static final String AZURE_SYSTEM = "azure.ai.openai";

  /** OpenTelemetry's {@code gen_ai.provider.name} of a provider type. */
  static String system(ProviderType type) {
    return switch (type) {
      case OpenAI -> "openai";
      case AzureOpenAI -> AZURE_SYSTEM;
      case OpenAICompatible -> "openai_compatible";
      case Anthropic -> "anthropic";
    };
  }

  /** The content hash of the model this was computed from. */
  String version() {
    return version;
  }

  /**
   * Returns the client whose key has this SHA-256, or null. The map is keyed by the hash's first
   * eight bytes and the whole hash is then compared in constant time: the lookup's timing depends
   * only on a hash the caller cannot steer, never on how much of a real key it guessed.
   */
  GatewayModel.Client clientByKeyHash(byte[] sha256) {
    List<ApiKey> candidates = keysByPrefix.get(prefix(sha256));
    GatewayModel.Client found = null;
    if (candidates != null) {
      for (ApiKey k : candidates) {
        if (MessageDigest.isEqual(k.sha256(), sha256)) {
          found = k.client();
        }
      }
    }
    return found;
  }

  /**
   * The routes an API key may call: those of its namespace whose {@code clients.apiKeys} select its
   * Secret, sorted by name.
   */
  List<RouteView> routesOf(GatewayModel.Client client) {
    return routesByClient.getOrDefault(client, List.of());
  }

  /** When an API key stops working, or null when it does not expire. */
  Instant expiryOf(GatewayModel.Client client) {
    return expiryByClient.get(client);
  }

  /** The routes of a namespace, sorted by name; empty when it has none. */
  List<RouteView> routes(String namespace) {
    return routesByNamespace.getOrDefault(namespace, List.of());
  }

  /** The routes that accept tokens of an issuer. */
  List<RouteView> jwtRoutes(String issuer) {
    return jwtRoutesByIssuer.getOrDefault(issuer, List.of());
  }

  /** The key set URLs of the routes that accept JWTs, sorted. */
  Set<String> jwksUris() {
    Set<String> uris = new TreeSet<>();
    jwtRoutesByIssuer.values().forEach(routes -> routes.forEach(r -> uris.add(r.jwt().jwksUri())));
    return uris;
  }

  /** Whether any route accepts JWTs. */
  boolean acceptsJwt() {
    return !jwtRoutesByIssuer.isEmpty();
  }

  /** Where a requested model of a namespace goes, or null. */
  Target target(String namespace, String model) {
    return targets.get(key(namespace, model));
  }

  /** The cheaper tier of a target's requested model, or null when its rule names none. */
  Tier tierOf(Target target) {
    return tiers.isEmpty()
        ? null
        : tiers.get(key(target.route().namespace(), target.requestedModel()));
  }

  /** The model names a caller may request, sorted. */
  List<String> models(Caller caller) {
    Set<String> names = new TreeSet<>();
    caller
        .routes()
        .forEach(r -> r.models().stream().filter(caller::mayRequest).forEach(names::add));
    return List.copyOf(names);
  }

  /** Whether a provider (namespace/name) is part of this model. */
  boolean hasProvider(String provider) {
    return providers.contains(provider);
  }

  /** The API a provider (namespace/name) speaks, or null when it is not part of this model. */
  BackendApi providerApi(String provider) {
    return provider == null ? null : apiByProvider.get(provider);
  }

  /** The upstream model names whose tokenizers requests will use, to load them ahead. */
  Set<String> tokenizerModels() {
    return tokenizerModels;
  }

  static String key(String namespace, String model) {
    return namespace + '\0' + model;
  }

  private static long prefix(byte[] sha256) {
    return ByteBuffer.wrap(sha256, 0, 8).getLong();
  }

  /** One digest per thread: looking the algorithm up costs more than hashing a key. */
  private static final ThreadLocal<MessageDigest> SHA256 =
      ThreadLocal.withInitial(
          () -> {
            try {
              return MessageDigest.getInstance("SHA-256");
            } catch (java.security.NoSuchAlgorithmException e) {
              throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
            }
          });

  /** SHA-256 of a presented key. */
  static byte[] sha256(String key) {
    // digest() resets the digest, so the next call on this thread starts afresh.
    return SHA256.get().digest(key.getBytes(StandardCharsets.UTF_8));
  }
}
