package dev.tollgate.model;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.tollgate.api.v1alpha1.AIRoute;
import dev.tollgate.api.v1alpha1.AIRouteSpec;
import dev.tollgate.api.v1alpha1.AllowedNamespaces;
import dev.tollgate.api.v1alpha1.Api;
import dev.tollgate.api.v1alpha1.BucketDimension;
import dev.tollgate.api.v1alpha1.DataClassification;
import dev.tollgate.api.v1alpha1.LimitType;
import dev.tollgate.api.v1alpha1.ModelProvider;
import dev.tollgate.api.v1alpha1.ModelProviderSpec;
import dev.tollgate.api.v1alpha1.ProviderType;
import dev.tollgate.api.v1alpha1.QuotaLimit;
import dev.tollgate.api.v1alpha1.QuotaMode;
import dev.tollgate.api.v1alpha1.RetryOn;
import dev.tollgate.api.v1alpha1.RouteRule;
import dev.tollgate.api.v1alpha1.TokenQuota;
import dev.tollgate.api.v1alpha1.TokenQuotaSpec;
import dev.tollgate.model.GatewayModel.Backend;
import dev.tollgate.model.GatewayModel.Client;
import dev.tollgate.model.GatewayModel.Connection;
import dev.tollgate.model.GatewayModel.Credential;
import dev.tollgate.model.GatewayModel.Jwt;
import dev.tollgate.model.GatewayModel.Limit;
import dev.tollgate.model.GatewayModel.OfferedModel;
import dev.tollgate.model.GatewayModel.OutlierDetection;
import dev.tollgate.model.GatewayModel.Price;
import dev.tollgate.model.GatewayModel.Provider;
import dev.tollgate.model.GatewayModel.Quota;
import dev.tollgate.model.GatewayModel.Retry;
import dev.tollgate.model.GatewayModel.Route;
import dev.tollgate.model.GatewayModel.Rule;
import dev.tollgate.model.GatewayModel.Upstream;
import dev.tollgate.model.source.ResourceSnapshot;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Secret;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Builds a {@link GatewayModel} from a {@link ResourceSnapshot}: validates each resource, resolves
 * references, applies governance, detects conflicts and computes every resource's conditions. A bad
 * resource is left out with conditions that say why; the rest go through.
 *
 * <p>A pure function: no clients, no clock, no randomness. The same snapshot always yields a
 * byte-identical model and version. Thread-safe.
 */
public final class GatewayModelBuilder {
  /** Default whole-request timeout of a rule. */
  public static final long DEFAULT_TIMEOUT_MILLIS = 300_000;

  /** Default number of retries. */
  public static final int DEFAULT_RETRY_ATTEMPTS = 2;

  /** Default connect timeout of a provider. */
  public static final long DEFAULT_CONNECT_TIMEOUT_MILLIS = 5_000;

  /** Default most requests in flight to a provider. */
  public static final int DEFAULT_MAX_CONCURRENT_REQUESTS = 1024;

  /** Default soft threshold of a quota, in percent. */
  public static final int DEFAULT_WARN_AT_PERCENT = 80;

  /** Shortest client API key accepted, so that keys cannot be guessed. */
  public static final int MIN_CLIENT_KEY_LENGTH = 16;

  private static final ObjectMapper CANONICAL_JSON =
      new ObjectMapper()
          .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true)
          .configure(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN, true);

  private static final Comparator<HasMetadata> OLDEST_FIRST =
      Comparator.comparing(
              (HasMetadata o) -> Objects.toString(o.getMetadata().getCreationTimestamp(), ""))
          .thenComparing(o -> o.getMetadata().getNamespace())
          .thenComparing(o -> o.getMetadata().getName());

  private GatewayModelBuilder() {}

  /** Builds the model of a snapshot. */
  public static GatewayModel build(ResourceSnapshot snapshot) {
    return new Run(snapshot).build();
  }

  /** One build; holds the lookups and results of a single snapshot. */
  private static final class Run {
    private final ResourceSnapshot snapshot;
    private final Map<String, Secret> secrets = new HashMap<>();
    private final Map<String, Map<String, String>> namespaceLabels = new HashMap<>();
    private final Map<String, ModelProvider> providerResources = new HashMap<>();
    private final Map<String, Provider> acceptedProviders = new TreeMap<>();
    private final Map<String, Route> acceptedRoutes = new TreeMap<>();
    private final Map<String, String> credentialValues = new TreeMap<>();
    private final Map<ResourceRef, ResourceStatusReport> statuses = new TreeMap<>();
    private final Map<String, List<Problem>> routeClientProblems = new HashMap<>();

    Run(ResourceSnapshot snapshot) {
      this.snapshot = snapshot;
      for (Secret s : snapshot.secrets()) {
        secrets.put(key(s.getMetadata().getNamespace(), s.getMetadata().getName()), s);
      }
      for (Namespace n : snapshot.namespaces()) {
        namespaceLabels.put(n.getMetadata().getName(), labelsOf(n));
      }
      for (ModelProvider p : snapshot.providers()) {
        providerResources.put(key(p.getMetadata().getNamespace(), p.getMetadata().getName()), p);
      }
    }

    GatewayModel build() {
      snapshot.providers().stream().sorted(OLDEST_FIRST).forEach(this::provider);
      snapshot.routes().stream().sorted(OLDEST_FIRST).forEach(this::route);
      List<Client> clients = clients();
      for (AIRoute r : snapshot.routes()) {
        finishRouteStatus(r);
      }
      List<Quota> quotas = new ArrayList<>();
      snapshot.quotas().stream()
          .sorted(
              Comparator.comparing(
                  (TokenQuota q) -> key(q.getMetadata().getNamespace(), q.getMetadata().getName())))
          .forEach(q -> quota(q).ifPresent(quotas::add));
      GatewayModel unversioned =
          new GatewayModel(
              "",
              List.copyOf(acceptedProviders.values()),
              List.copyOf(acceptedRoutes.values()),
              clients,
              List.copyOf(quotas),
              List.copyOf(statuses.values()),
              Map.copyOf(credentialValues));
      return new GatewayModel(
          version(unversioned),
          unversioned.providers(),
          unversioned.routes(),
          unversioned.clients(),
          unversioned.quotas(),
          unversioned.statuses(),
          unversioned.credentialValues());
    }

    // ---------------------------------------------------------------- providers

    private void provider(ModelProvider resource) {
      ResourceRef ref = ref(resource);
      ModelProviderSpec spec = resource.getSpec();
      SpecChecks checks = new SpecChecks();
      if (checks.required("spec", spec)) {
        checkProvider(spec, checks);
      }
      if (!checks.isEmpty()) {
        report(resource, checks.problems(), List.of());
        return;
      }
      List<Problem> refProblems = new ArrayList<>();
      Credential credential = null;
      if (spec.credentials != null) {
        String keyName = orDefault(spec.credentials.key, Api.DEFAULT_CLIENT_KEY);
        Optional<String> value = secretValue(ref.namespace(), spec.credentials.name, keyName);
        if (value.isEmpty()) {
          refProblems.add(
              new Problem(
                  "spec.credentials",
                  Reasons.SECRET_NOT_FOUND,
                  "Secret "
                      + ref.namespace()
                      + "/"
                      + spec.credentials.name
                      + " with a non-empty key '"
                      + keyName
                      + "' does not exist: create it, or fix spec.credentials"));
        } else {
          credential = new Credential(spec.credentials.name, keyName, sha256(value.get()));
          credentialValues.put(ref.namespacedName(), value.get());
        }
      }
      if (!refProblems.isEmpty()) {
        report(resource, List.of(), refProblems);
        return;
      }
      acceptedProviders.put(ref.namespacedName(), toProvider(ref, spec, credential));
      report(resource, List.of(), List.of());
    }

    private static void checkProvider(ModelProviderSpec spec, SpecChecks checks) {
      checks.required("spec.type", spec.type);
      if (checks.required("spec.endpoint", spec.endpoint)) {
        var endpoint = spec.endpoint;
        if ((endpoint.url == null) == (endpoint.service == null)) {
          checks.invalid("spec.endpoint", "set exactly one of endpoint.url and endpoint.service");
        }
        if (endpoint.url != null) {
          checks.matches(
              "spec.endpoint.url",
              endpoint.url,
              java.util.regex.Pattern.compile("^https?://[^/?#\\s]+(/[^?#\\s]*)?$"),
              "an http or https URL without query, e.g. https://api.openai.com");
          if (checks.isEmpty()) {
            try {
              URI uri = URI.create(endpoint.url);
              if (uri.getHost() == null) {
                checks.invalid("spec.endpoint.url", "has no host name");
              } else if (uri.getHost().length() > 253) {
                checks.invalid("spec.endpoint.url", "has a host name longer than 253 characters");
              }
              if (uri.getPort() == 0 || uri.getPort() > 65535) {
                checks.invalid(
                    "spec.endpoint.url",
                    "port " + uri.getPort() + " is out of range: use 1 to 65535, or none");
              }
            } catch (IllegalArgumentException e) {
              checks.invalid("spec.endpoint.url", "is not a valid URL: " + e.getMessage());
            }
          }
        }
        if (endpoint.service != null) {
          if (checks.required("spec.endpoint.service.name", endpoint.service.name)) {
            checks.matches(
                "spec.endpoint.service.name",
                endpoint.service.name,
                SpecChecks.DNS_LABEL,
                "a Service name (lower case letters, digits and '-')");
          }
          if (checks.required("spec.endpoint.service.port", endpoint.service.port)) {
            checks.range("spec.endpoint.service.port", endpoint.service.port, 1, 65535);
          }
        }
      }
      if (spec.type == ProviderType.AzureOpenAI) {
        if (checks.required("spec.azure", spec.azure)) {
          if (checks.required("spec.azure.apiVersion", spec.azure.apiVersion)) {
            checks.matches(
                "spec.azure.apiVersion",
                spec.azure.apiVersion,
                java.util.regex.Pattern.compile("^[0-9]{4}-[0-9]{2}-[0-9]{2}(-preview)?$"),
                "an Azure api-version such as 2024-10-21");
          }
        }
      } else if (spec.azure != null && spec.type != null) {
        checks.invalid("spec.azure", "is only allowed when type is AzureOpenAI: remove it");
      }
      if (spec.credentials != null) {
        if (checks.required("spec.credentials.name", spec.credentials.name)) {
          checks.matches(
              "spec.credentials.name",
              spec.credentials.name,
              SpecChecks.DNS_SUBDOMAIN,
              "a Secret name");
        }
      }
      checks.size("spec.models", spec.models, 1, 128);
      Set<String> names = new HashSet<>();
      for (int i = 0; spec.models != null && i < spec.models.size(); i++) {
        var m = spec.models.get(i);
        String field = "spec.models[" + i + "]";
        if (m == null) {
          checks.invalid(field, "must not be empty");
          continue;
        }
        if (checks.required(field + ".name", m.name)) {
          checks.matches(field + ".name", m.name, SpecChecks.MODEL_NAME, "a model name");
          if (!names.add(m.name)) {
            checks.invalid(
                field + ".name", "'" + m.name + "' is listed twice: list each model once");
          }
        }
        if (m.deployment != null && spec.type != ProviderType.AzureOpenAI) {
          checks.invalid(field + ".deployment", "is only used by AzureOpenAI providers: remove it");
        }
        checks.range(field + ".contextWindow", m.contextWindow, 1, 100_000_000);
        if (m.pricing != null) {
          checks.required(field + ".pricing.currency", m.pricing.currency);
          checks.matches(
              field + ".pricing.currency",
              m.pricing.currency,
              SpecChecks.CURRENCY,
              "an ISO 4217 code such as USD");
          checks.required(field + ".pricing.inputPerMillion", m.pricing.inputPerMillion);
          checks.required(field + ".pricing.outputPerMillion", m.pricing.outputPerMillion);
          for (var price :
              List.of(
                  Map.entry("inputPerMillion", Objects.toString(m.pricing.inputPerMillion, "0")),
                  Map.entry("outputPerMillion", Objects.toString(m.pricing.outputPerMillion, "0")),
                  Map.entry(
                      "cachedInputPerMillion",
                      Objects.toString(m.pricing.cachedInputPerMillion, "0")))) {
            checks.matches(
                field + ".pricing." + price.getKey(),
                price.getValue(),
                SpecChecks.DECIMAL,
                "a decimal amount as a string, e.g. \"0.15\"");
          }
        }
      }
      if (spec.governance != null) {
        var g = spec.governance;
        if (g.allowedNamespaces == AllowedNamespaces.Selector && g.namespaceSelector == null) {
          checks.invalid(
              "spec.governance.namespaceSelector",
              "is required when allowedNamespaces is Selector");
        }
        String selectorProblem = LabelSelectors.validate(g.namespaceSelector);
        if (selectorProblem != null) {
          checks.invalid("spec.governance.namespaceSelector", selectorProblem);
        }
      }
      if (spec.connection != null) {
        var c = spec.connection;
        checks.positiveDuration("spec.connection.connectTimeout", c.connectTimeout, "5s");
        checks.range(
            "spec.connection.maxConcurrentRequests", c.maxConcurrentRequests, 1, 1_000_000);
        if (c.outlierDetection != null) {
          var o = c.outlierDetection;
          checks.range(
              "spec.connection.outlierDetection.consecutive5xx", o.consecutive5xx, 1, 1000);
          checks.positiveDuration(
              "spec.connection.outlierDetection.baseEjectionTime", o.baseEjectionTime, "30s");
          checks.range(
              "spec.connection.outlierDetection.maxEjectionPercent", o.maxEjectionPercent, 1, 100);
        }
      }
    }

    private static Provider toProvider(
        ResourceRef ref, ModelProviderSpec spec, Credential credential) {
      Upstream upstream;
      if (spec.endpoint.url != null) {
        URI uri = URI.create(spec.endpoint.url);
        boolean tls = uri.getScheme().equals("https");
        int port = uri.getPort() > 0 ? uri.getPort() : tls ? 443 : 80;
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        while (path.endsWith("/")) {
          path = path.substring(0, path.length() - 1);
        }
        upstream = new Upstream(uri.getHost(), port, tls, path);
      } else {
        var service = spec.endpoint.service;
        upstream =
            new Upstream(
                service.name + "." + ref.namespace() + ".svc.cluster.local",
                service.port,
                Boolean.TRUE.equals(service.tls),
                "");
      }
      List<OfferedModel> models =
          spec.models.stream()
              .map(
                  m ->
                      new OfferedModel(
                          m.name,
                          spec.type == ProviderType.AzureOpenAI
                              ? orDefault(m.deployment, m.name)
                              : null,
                          m.contextWindow,
                          m.pricing == null
                              ? null
                              : new Price(
                                  m.pricing.currency,
                                  new BigDecimal(m.pricing.inputPerMillion),
                                  new BigDecimal(m.pricing.outputPerMillion),
                                  new BigDecimal(
                                      orDefault(
                                          m.pricing.cachedInputPerMillion,
                                          m.pricing.inputPerMillion)))))
              .sorted(Comparator.comparing(OfferedModel::name))
              .toList();
      var c = spec.connection;
      OutlierDetection outlier = null;
      if (c != null && c.outlierDetection != null) {
        var o = c.outlierDetection;
        outlier =
            new OutlierDetection(
                o.consecutive5xx == null ? 5 : o.consecutive5xx,
                Durations.toMillis(o.baseEjectionTime, 30_000),
                o.maxEjectionPercent == null ? 100 : o.maxEjectionPercent);
      }
      Connection connection =
          new Connection(
              Durations.toMillis(
                  c == null ? null : c.connectTimeout, DEFAULT_CONNECT_TIMEOUT_MILLIS),
              c == null || c.maxConcurrentRequests == null
                  ? DEFAULT_MAX_CONCURRENT_REQUESTS
                  : c.maxConcurrentRequests,
              outlier);
      DataClassification clearance =
          spec.governance == null || spec.governance.dataClassification == null
              ? DataClassification.Public
              : spec.governance.dataClassification;
      return new Provider(
          ref.namespace(),
          ref.name(),
          spec.type,
          upstream,
          credential,
          spec.type == ProviderType.AzureOpenAI ? spec.azure.apiVersion : null,
          models,
          connection,
          clearance);
    }

    // ---------------------------------------------------------------- routes

    private final Map<String, String> modelOwners = new HashMap<>();

    private void route(AIRoute resource) {
      ResourceRef ref = ref(resource);
      AIRouteSpec spec = resource.getSpec();
      SpecChecks checks = new SpecChecks();
      if (checks.required("spec", spec)) {
        checkRoute(spec, checks);
      }
      if (!checks.isEmpty()) {
        pendingRouteReports.put(ref, new PendingReport(resource, checks.problems(), List.of()));
        return;
      }
      DataClassification classification =
          spec.dataClassification == null ? DataClassification.Public : spec.dataClassification;
      List<Problem> invalid = new ArrayList<>();
      List<Problem> refProblems = new ArrayList<>();
      List<Rule> rules = new ArrayList<>();
      for (int i = 0; i < spec.rules.size(); i++) {
        RouteRule rule = spec.rules.get(i);
        List<Backend> backends = new ArrayList<>();
        for (int b = 0; b < rule.backends.size(); b++) {
          var backend = rule.backends.get(b);
          String field = "spec.rules[" + i + "].backends[" + b + "]";
          String providerNs = orDefault(backend.provider.namespace, ref.namespace());
          String providerKey = key(providerNs, backend.provider.name);
          ModelProvider providerResource = providerResources.get(providerKey);
          Provider provider = acceptedProviders.get(providerKey);
          if (providerResource == null) {
            refProblems.add(
                new Problem(
                    field + ".provider",
                    Reasons.PROVIDER_NOT_FOUND,
                    "ModelProvider "
                        + providerKey
                        + " does not exist: create it or fix the reference"));
            continue;
          }
          if (provider == null) {
            refProblems.add(
                new Problem(
                    field + ".provider",
                    Reasons.PROVIDER_NOT_FOUND,
                    "ModelProvider "
                        + providerKey
                        + " is not accepted: see its status conditions"));
            continue;
          }
          if (!namespaceAllowed(providerResource, ref.namespace())) {
            refProblems.add(
                new Problem(
                    field + ".provider",
                    Reasons.REF_NOT_PERMITTED,
                    "ModelProvider "
                        + providerKey
                        + " does not allow namespace "
                        + ref.namespace()
                        + ": ask its owner to add it to spec.governance.allowedNamespaces"));
            continue;
          }
          if (provider.model(backend.model).isEmpty()) {
            refProblems.add(
                new Problem(
                    field + ".model",
                    Reasons.MODEL_NOT_OFFERED,
                    "ModelProvider "
                        + providerKey
                        + " does not offer model '"
                        + backend.model
                        + "'; it offers "
                        + provider.models().stream().map(OfferedModel::name).toList()));
            continue;
          }
          if (classification.compareTo(provider.clearance()) > 0) {
            invalid.add(
                new Problem(
                    "spec.dataClassification",
                    Reasons.CLASSIFICATION_NOT_CLEARED,
                    "the route carries "
                        + classification
                        + " data but ModelProvider "
                        + providerKey
                        + " (spec.rules["
                        + i
                        + "].backends["
                        + b
                        + "]) is cleared only up to "
                        + provider.clearance()
                        + ": use a provider cleared for "
                        + classification
                        + " or lower the route's classification"));
            continue;
          }
          backends.add(
              new Backend(
                  providerNs,
                  backend.provider.name,
                  backend.model,
                  backend.weight == null ? 1 : backend.weight,
                  backend.priority == null ? 0 : backend.priority));
        }
        backends.sort(
            Comparator.comparingInt(Backend::priority)
                .thenComparing(Comparator.comparingInt(Backend::weight).reversed())
                .thenComparing(Backend::providerNamespace)
                .thenComparing(Backend::providerName)
                .thenComparing(Backend::model));
        var retry = rule.retry;
        List<RetryOn> retryOn =
            retry == null || retry.conditions == null || retry.conditions.isEmpty()
                ? List.of(RetryOn.values())
                : new TreeSet<>(retry.conditions).stream().toList();
        rules.add(
            new Rule(
                i,
                rule.models.stream().sorted().toList(),
                List.copyOf(backends),
                new Retry(
                    retry == null || retry.attempts == null
                        ? DEFAULT_RETRY_ATTEMPTS
                        : retry.attempts,
                    retryOn,
                    Durations.toMillis(retry == null ? null : retry.perTryTimeout, 0)),
                Durations.toMillis(rule.timeout, DEFAULT_TIMEOUT_MILLIS)));
      }
      if (invalid.isEmpty() && refProblems.isEmpty()) {
        for (Rule rule : rules) {
          for (String model : rule.models()) {
            String owner = modelOwners.get(key(ref.namespace(), model));
            if (owner != null) {
              invalid.add(
                  new Problem(
                      "spec.rules[" + rule.index() + "].models",
                      Reasons.CONFLICTED,
                      "model '"
                          + model
                          + "' is already routed by AIRoute "
                          + owner
                          + ", which is older: rename the model here or remove it there"));
            }
          }
        }
      }
      if (!invalid.isEmpty() || !refProblems.isEmpty()) {
        pendingRouteReports.put(ref, new PendingReport(resource, invalid, refProblems));
        return;
      }
      for (Rule rule : rules) {
        for (String model : rule.models()) {
          modelOwners.put(key(ref.namespace(), model), ref.namespacedName());
        }
      }
      var jwtSpec = spec.clients.jwt;
      Jwt jwt =
          jwtSpec == null
              ? null
              : new Jwt(
                  jwtSpec.issuer,
                  jwtSpec.jwksUri,
                  jwtSpec.audiences == null
                      ? List.of()
                      : jwtSpec.audiences.stream().sorted().toList(),
                  orDefault(jwtSpec.clientClaim, "sub"));
      acceptedRoutes.put(
          ref.namespacedName(),
          new Route(ref.namespace(), ref.name(), classification, List.copyOf(rules), jwt));
      pendingRouteReports.put(ref, new PendingReport(resource, List.of(), List.of()));
    }

    private final Map<ResourceRef, PendingReport> pendingRouteReports = new HashMap<>();

    private record PendingReport(HasMetadata resource, List<Problem> invalid, List<Problem> refs) {}

    private void finishRouteStatus(AIRoute resource) {
      ResourceRef ref = ref(resource);
      PendingReport pending = pendingRouteReports.get(ref);
      List<Problem> refs = new ArrayList<>(pending.refs());
      refs.addAll(routeClientProblems.getOrDefault(ref.namespacedName(), List.of()));
      report(resource, pending.invalid(), refs);
    }

    private static void checkRoute(AIRouteSpec spec, SpecChecks checks) {
      if (checks.required("spec.clients", spec.clients)) {
        var clients = spec.clients;
        if (clients.apiKeys == null && clients.jwt == null) {
          checks.invalid("spec.clients", "set clients.apiKeys, clients.jwt, or both");
        }
        if (clients.apiKeys != null) {
          checks.required("spec.clients.apiKeys.secretSelector", clients.apiKeys.secretSelector);
          String selectorProblem = LabelSelectors.validate(clients.apiKeys.secretSelector);
          if (selectorProblem != null) {
            checks.invalid("spec.clients.apiKeys.secretSelector", selectorProblem);
          }
        }
        if (clients.jwt != null) {
          var jwt = clients.jwt;
          var url = java.util.regex.Pattern.compile("^https?://\\S+$");
          if (checks.required("spec.clients.jwt.issuer", jwt.issuer)) {
            checks.matches("spec.clients.jwt.issuer", jwt.issuer, url, "an http(s) URL");
          }
          if (checks.required("spec.clients.jwt.jwksUri", jwt.jwksUri)) {
            checks.matches("spec.clients.jwt.jwksUri", jwt.jwksUri, url, "an http(s) URL");
          }
          checks.size("spec.clients.jwt.audiences", jwt.audiences, 0, 16);
        }
      }
      checks.size("spec.rules", spec.rules, 1, 32);
      Set<String> models = new HashSet<>();
      for (int i = 0; spec.rules != null && i < spec.rules.size(); i++) {
        RouteRule rule = spec.rules.get(i);
        String field = "spec.rules[" + i + "]";
        if (rule == null) {
          checks.invalid(field, "must not be empty");
          continue;
        }
        checks.size(field + ".models", rule.models, 1, 16);
        for (int m = 0; rule.models != null && m < rule.models.size(); m++) {
          String model = rule.models.get(m);
          if (checks.required(field + ".models[" + m + "]", model)) {
            checks.matches(
                field + ".models[" + m + "]", model, SpecChecks.MODEL_NAME, "a model name");
            if (!models.add(model)) {
              checks.invalid(
                  field + ".models[" + m + "]",
                  "'"
                      + model
                      + "' appears in more than one place: list each model name once per route");
            }
          }
        }
        checks.size(field + ".backends", rule.backends, 1, 16);
        int lowestPriority = Integer.MAX_VALUE;
        for (var backend :
            rule.backends == null ? List.<dev.tollgate.api.v1alpha1.Backend>of() : rule.backends) {
          if (backend != null) {
            lowestPriority =
                Math.min(lowestPriority, backend.priority == null ? 0 : backend.priority);
          }
        }
        boolean anyWeight = false;
        for (int b = 0; rule.backends != null && b < rule.backends.size(); b++) {
          var backend = rule.backends.get(b);
          String bf = field + ".backends[" + b + "]";
          if (backend == null) {
            checks.invalid(bf, "must not be empty");
            continue;
          }
          if (checks.required(bf + ".provider", backend.provider)) {
            if (checks.required(bf + ".provider.name", backend.provider.name)) {
              checks.matches(
                  bf + ".provider.name",
                  backend.provider.name,
                  SpecChecks.DNS_SUBDOMAIN,
                  "a ModelProvider name");
            }
            checks.matches(
                bf + ".provider.namespace",
                backend.provider.namespace,
                SpecChecks.DNS_LABEL,
                "a namespace name");
          }
          if (checks.required(bf + ".model", backend.model)) {
            checks.matches(bf + ".model", backend.model, SpecChecks.MODEL_NAME, "a model name");
          }
          checks.range(bf + ".weight", backend.weight, 0, 10_000);
          checks.range(bf + ".priority", backend.priority, 0, 8);
          int priority = backend.priority == null ? 0 : backend.priority;
          if (priority == lowestPriority && (backend.weight == null || backend.weight > 0)) {
            anyWeight = true;
          }
        }
        if (rule.backends != null && !rule.backends.isEmpty() && !anyWeight) {
          checks.invalid(
              field + ".backends",
              "every backend of the first priority has weight 0: give one a weight above 0");
        }
        if (rule.retry != null) {
          checks.range(field + ".retry.attempts", rule.retry.attempts, 0, 10);
          checks.size(field + ".retry.conditions", rule.retry.conditions, 0, 3);
          checks.matches(
              field + ".retry.perTryTimeout",
              rule.retry.perTryTimeout,
              SpecChecks.DURATION,
              "a duration such as 30s");
        }
        checks.matches(
            field + ".timeout", rule.timeout, SpecChecks.DURATION, "a duration such as 300s");
      }
    }

    private boolean namespaceAllowed(ModelProvider provider, String namespace) {
      var governance = provider.getSpec().governance;
      AllowedNamespaces allowed =
          governance == null || governance.allowedNamespaces == null
              ? AllowedNamespaces.Same
              : governance.allowedNamespaces;
      return switch (allowed) {
        case All -> true;
        case Same -> provider.getMetadata().getNamespace().equals(namespace);
        case Selector ->
            LabelSelectors.matches(
                governance.namespaceSelector, namespaceLabels.getOrDefault(namespace, Map.of()));
      };
    }

    // ---------------------------------------------------------------- clients

    private List<Client> clients() {
      Map<String, String> ownerSecretByKeyHash = new HashMap<>();
      Map<String, Client> clients = new TreeMap<>();
      Map<String, Set<String>> routesByClient = new HashMap<>();
      List<Secret> sortedSecrets = snapshot.secrets().stream().sorted(OLDEST_FIRST).toList();
      for (AIRoute resource : snapshot.routes().stream().sorted(OLDEST_FIRST).toList()) {
        ResourceRef ref = ref(resource);
        if (!acceptedRoutes.containsKey(ref.namespacedName())) {
          continue;
        }
        var apiKeys = resource.getSpec().clients.apiKeys;
        if (apiKeys == null) {
          continue;
        }
        String dataKey = orDefault(apiKeys.key, Api.DEFAULT_CLIENT_KEY);
        List<Problem> problems =
            routeClientProblems.computeIfAbsent(ref.namespacedName(), k -> new ArrayList<>());
        int selected = 0;
        for (Secret secret : sortedSecrets) {
          if (!secret.getMetadata().getNamespace().equals(ref.namespace())
              || !LabelSelectors.matches(
                  apiKeys.secretSelector, secret.getMetadata().getLabels())) {
            continue;
          }
          selected++;
          String secretName = secret.getMetadata().getName();
          Optional<String> value = secretValue(ref.namespace(), secretName, dataKey);
          if (value.isEmpty() || value.get().length() < MIN_CLIENT_KEY_LENGTH) {
            problems.add(
                new Problem(
                    "spec.clients.apiKeys",
                    Reasons.INVALID_CLIENT_KEY,
                    "Secret "
                        + ref.namespace()
                        + "/"
                        + secretName
                        + " has no key '"
                        + dataKey
                        + "' of at least "
                        + MIN_CLIENT_KEY_LENGTH
                        + " characters: that client cannot call; set a longer key"));
            continue;
          }
          String hash = sha256(value.get());
          String secretId = ref.namespace() + "/" + secretName;
          String owner = ownerSecretByKeyHash.putIfAbsent(hash, secretId);
          if (owner != null && !owner.equals(secretId)) {
            problems.add(
                new Problem(
                    "spec.clients.apiKeys",
                    Reasons.CONFLICTED,
                    "Secret "
                        + secretId
                        + " holds the same key as Secret "
                        + owner
                        + ", which is older and keeps it: give this client a new key"));
            continue;
          }
          Map<String, String> labels = secret.getMetadata().getLabels();
          String clientId =
              labels != null && labels.get(Api.CLIENT_LABEL) != null
                  ? labels.get(Api.CLIENT_LABEL)
                  : secretName;
          String clientKey = ref.namespace() + "\0" + clientId + "\0" + secretName;
          clients.putIfAbsent(
              clientKey, new Client(ref.namespace(), clientId, hash, secretName, List.of()));
          routesByClient.computeIfAbsent(clientKey, k -> new TreeSet<>()).add(ref.name());
        }
        if (selected == 0) {
          problems.add(
              new Problem(
                  "spec.clients.apiKeys.secretSelector",
                  Reasons.INVALID_CLIENT_KEY,
                  "no Secret in namespace "
                      + ref.namespace()
                      + " matches the selector, so no API key can call this route: label the"
                      + " client Secrets or fix the selector"));
        }
      }
      List<Client> withRoutes = new ArrayList<>(clients.size());
      clients.forEach(
          (clientKey, c) ->
              withRoutes.add(
                  new Client(
                      c.namespace(),
                      c.clientId(),
                      c.keySha256(),
                      c.secretName(),
                      List.copyOf(routesByClient.get(clientKey)))));
      return List.copyOf(withRoutes);
    }

    // ---------------------------------------------------------------- quotas

    private Optional<Quota> quota(TokenQuota resource) {
      ResourceRef ref = ref(resource);
      TokenQuotaSpec spec = resource.getSpec();
      SpecChecks checks = new SpecChecks();
      if (checks.required("spec", spec)) {
        checkQuota(spec, checks);
      }
      if (!checks.isEmpty()) {
        report(resource, checks.problems(), List.of());
        return Optional.empty();
      }
      List<String> routes =
          spec.routes == null ? List.of() : new TreeSet<>(spec.routes).stream().toList();
      List<Problem> refProblems = new ArrayList<>();
      Set<String> routeNames = new HashSet<>();
      for (AIRoute r : snapshot.routes()) {
        if (r.getMetadata().getNamespace().equals(ref.namespace())) {
          routeNames.add(r.getMetadata().getName());
        }
      }
      for (int i = 0; spec.routes != null && i < spec.routes.size(); i++) {
        if (!routeNames.contains(spec.routes.get(i))) {
          refProblems.add(
              new Problem(
                  "spec.routes[" + i + "]",
                  Reasons.ROUTE_NOT_FOUND,
                  "AIRoute "
                      + ref.namespace()
                      + "/"
                      + spec.routes.get(i)
                      + " does not exist; the budgets apply to the other routes listed"));
        }
      }
      List<Problem> invalid = new ArrayList<>();
      for (int i = 0; i < spec.limits.size(); i++) {
        QuotaLimit limit = spec.limits.get(i);
        if (limit.type != LimitType.Cost) {
          continue;
        }
        for (Route route : acceptedRoutes.values()) {
          if (!route.namespace().equals(ref.namespace())
              || !(routes.isEmpty() || routes.contains(route.name()))) {
            continue;
          }
          for (Rule rule : route.rules()) {
            for (Backend backend : rule.backends()) {
              Provider provider =
                  acceptedProviders.get(key(backend.providerNamespace(), backend.providerName()));
              Price price = provider.model(backend.model()).map(OfferedModel::price).orElse(null);
              if (price == null || !price.currency().equals(limit.currency)) {
                invalid.add(
                    new Problem(
                        "spec.limits[" + i + "]",
                        Reasons.INVALID,
                        "cost budget in "
                            + limit.currency
                            + " cannot count model '"
                            + backend.model()
                            + "' of ModelProvider "
                            + backend.providerNamespace()
                            + "/"
                            + backend.providerName()
                            + " (AIRoute "
                            + route.name()
                            + "), which has "
                            + (price == null ? "no price" : "prices in " + price.currency())
                            + ": add spec.models[].pricing in "
                            + limit.currency
                            + " to the provider"));
              }
            }
          }
        }
      }
      if (!invalid.isEmpty()) {
        report(resource, dedupe(invalid), refProblems);
        return Optional.empty();
      }
      report(resource, List.of(), refProblems);
      List<Limit> limits =
          spec.limits.stream()
              .map(
                  l ->
                      new Limit(
                          l.name,
                          l.type,
                          new BigDecimal(l.amount),
                          l.currency,
                          l.window,
                          new TreeSet<>(l.per == null ? List.<BucketDimension>of() : l.per)
                              .stream().toList()))
              .toList();
      return Optional.of(
          new Quota(
              ref.namespace(),
              ref.name(),
              routes,
              spec.mode == null ? QuotaMode.Enforce : spec.mode,
              spec.warnAtPercent == null ? DEFAULT_WARN_AT_PERCENT : spec.warnAtPercent,
              orDefault(spec.timeZone, "UTC"),
              limits));
    }

    private static void checkQuota(TokenQuotaSpec spec, SpecChecks checks) {
      checks.size("spec.routes", spec.routes, 0, 32);
      for (int i = 0; spec.routes != null && i < spec.routes.size(); i++) {
        checks.matches(
            "spec.routes[" + i + "]",
            spec.routes.get(i),
            SpecChecks.DNS_SUBDOMAIN,
            "an AIRoute name");
      }
      checks.size("spec.limits", spec.limits, 1, 16);
      Set<String> names = new HashSet<>();
      for (int i = 0; spec.limits != null && i < spec.limits.size(); i++) {
        QuotaLimit l = spec.limits.get(i);
        String field = "spec.limits[" + i + "]";
        if (l == null) {
          checks.invalid(field, "must not be empty");
          continue;
        }
        if (checks.required(field + ".name", l.name)) {
          checks.matches(
              field + ".name",
              l.name,
              java.util.regex.Pattern.compile("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"),
              "a lower-case name such as tokens-per-minute");
          if (!names.add(l.name)) {
            checks.invalid(
                field + ".name", "'" + l.name + "' is used twice: give each limit its own name");
          }
        }
        checks.required(field + ".type", l.type);
        checks.required(field + ".window", l.window);
        if (checks.required(field + ".amount", l.amount)) {
          checks.matches(
              field + ".amount",
              l.amount,
              SpecChecks.DECIMAL,
              "an amount as a string, e.g. \"100000\"");
          if (l.type != LimitType.Cost && !l.amount.matches("^[0-9]+$")) {
            checks.invalid(field + ".amount", "must be a whole number unless type is Cost");
          }
        }
        if (l.type == LimitType.Cost && l.currency == null) {
          checks.invalid(field + ".currency", "is required for type Cost, e.g. USD");
        } else if (l.type != null && l.type != LimitType.Cost && l.currency != null) {
          checks.invalid(field + ".currency", "is only allowed for type Cost: remove it");
        }
        checks.matches(
            field + ".currency", l.currency, SpecChecks.CURRENCY, "an ISO 4217 code such as USD");
        checks.size(field + ".per", l.per, 0, 2);
        if (l.per != null && new HashSet<>(l.per).size() != l.per.size()) {
          checks.invalid(field + ".per", "lists a dimension twice");
        }
      }
      checks.range("spec.warnAtPercent", spec.warnAtPercent, 1, 100);
      if (spec.timeZone != null) {
        try {
          ZoneId.of(spec.timeZone);
        } catch (DateTimeException e) {
          checks.invalid(
              "spec.timeZone",
              "'" + spec.timeZone + "' is not an IANA time zone such as Europe/Berlin or UTC");
        }
      }
    }

    // ---------------------------------------------------------------- shared

    private void report(HasMetadata resource, List<Problem> invalid, List<Problem> refs) {
      ResourceRef ref = ref(resource);
      Long generation = resource.getMetadata().getGeneration();
      List<Condition> conditions = new ArrayList<>();
      if (invalid.isEmpty() && (refs.isEmpty() || !blocksAcceptance(resource, refs))) {
        conditions.add(
            Condition.isTrue(Condition.ACCEPTED, Reasons.ACCEPTED, acceptedMessage(resource)));
      } else if (!invalid.isEmpty()) {
        conditions.add(
            Condition.isFalse(Condition.ACCEPTED, invalid.get(0).reason(), join(invalid)));
      } else {
        conditions.add(
            Condition.isFalse(
                Condition.ACCEPTED,
                Reasons.UNRESOLVED_REFS,
                "not programmed because references do not resolve: see ResolvedRefs"));
      }
      if (refs.isEmpty()) {
        conditions.add(
            Condition.isTrue(
                Condition.RESOLVED_REFS, Reasons.RESOLVED_REFS, "all references resolve"));
      } else {
        conditions.add(
            Condition.isFalse(Condition.RESOLVED_REFS, refs.get(0).reason(), join(refs)));
      }
      statuses.put(
          ref,
          new ResourceStatusReport(
              ref, generation == null ? 0 : generation, List.copyOf(conditions)));
    }

    /** Client and quota route problems leave the resource in service; the rest take it out. */
    private static boolean blocksAcceptance(HasMetadata resource, List<Problem> refs) {
      if (resource instanceof TokenQuota) {
        return false;
      }
      return refs.stream()
          .anyMatch(
              p ->
                  !p.reason().equals(Reasons.INVALID_CLIENT_KEY)
                      && !p.reason().equals(Reasons.CONFLICTED));
    }

    private static String acceptedMessage(HasMetadata resource) {
      if (resource instanceof TokenQuota) {
        return "budgets are valid";
      }
      return resource instanceof AIRoute ? "route is valid" : "provider is valid";
    }

    private static String join(List<Problem> problems) {
      List<String> lines = dedupe(problems).stream().map(Problem::describe).toList();
      String text = String.join("; ", lines);
      return text.length() <= 2000 ? text : text.substring(0, 1990) + " (more...)";
    }

    private static List<Problem> dedupe(List<Problem> problems) {
      return problems.stream().distinct().toList();
    }

    private Optional<String> secretValue(String namespace, String name, String dataKey) {
      Secret secret = secrets.get(key(namespace, name));
      if (secret == null) {
        return Optional.empty();
      }
      String value = null;
      if (secret.getStringData() != null && secret.getStringData().get(dataKey) != null) {
        value = secret.getStringData().get(dataKey);
      } else if (secret.getData() != null && secret.getData().get(dataKey) != null) {
        try {
          value =
              new String(
                  Base64.getMimeDecoder().decode(secret.getData().get(dataKey)),
                  StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
          return Optional.empty();
        }
      }
      if (value == null) {
        return Optional.empty();
      }
      String trimmed = value.strip();
      return trimmed.isEmpty() ? Optional.empty() : Optional.of(trimmed);
    }

    private String version(GatewayModel unversioned) {
      try {
        byte[] json = CANONICAL_JSON.writeValueAsBytes(unversioned);
        return sha256(json).substring(0, 16);
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("cannot serialize the model", e);
      }
    }
  }

  private static ResourceRef ref(HasMetadata resource) {
    return new ResourceRef(
        resource.getKind(),
        resource.getMetadata().getNamespace(),
        resource.getMetadata().getName());
  }

  private static String key(String namespace, String name) {
    return namespace + "/" + name;
  }

  private static Map<String, String> labelsOf(HasMetadata o) {
    return o.getMetadata().getLabels() == null ? Map.of() : o.getMetadata().getLabels();
  }

  private static String orDefault(String value, String fallback) {
    return value == null ? fallback : value;
  }

  /** Returns the lower-case hex SHA-256 of a UTF-8 string. */
  public static String sha256(String text) {
    return sha256(text.getBytes(StandardCharsets.UTF_8));
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }
}
