package dev.tollgate.model;

import dev.tollgate.api.v1alpha1.AIRouteSpec;
import dev.tollgate.api.v1alpha1.AllowedNamespaces;
import dev.tollgate.api.v1alpha1.AnthropicSettings;
import dev.tollgate.api.v1alpha1.Api;
import dev.tollgate.api.v1alpha1.Backend;
import dev.tollgate.api.v1alpha1.ConnectionSettings;
import dev.tollgate.api.v1alpha1.DataClassification;
import dev.tollgate.api.v1alpha1.Governance;
import dev.tollgate.api.v1alpha1.JwtClients;
import dev.tollgate.api.v1alpha1.OutlierDetectionSettings;
import dev.tollgate.api.v1alpha1.Pricing;
import dev.tollgate.api.v1alpha1.ProviderModel;
import dev.tollgate.api.v1alpha1.ProviderReference;
import dev.tollgate.api.v1alpha1.QuotaMode;
import dev.tollgate.api.v1alpha1.RetryOn;
import dev.tollgate.api.v1alpha1.RetryPolicy;
import dev.tollgate.api.v1alpha1.RouteRule;
import dev.tollgate.api.v1alpha1.ServiceReference;
import dev.tollgate.api.v1alpha1.TokenQuotaSpec;
import java.util.List;
import java.util.TreeSet;

/**
 * The value of every optional spec field when it is left out, read through null-safe accessors.
 *
 * <p>The one place where Tollgate's defaults live: the builder reads optional fields only through
 * these accessors, so a default is changed here and nowhere else. The accessors never modify the
 * spec they read.
 */
public final class Defaults {
  /** Default whole-request timeout of a rule. */
  public static final long TIMEOUT_MILLIS = 300_000;

  /** Default number of retries. */
  public static final int RETRY_ATTEMPTS = 2;

  /** Default connect timeout of a provider. */
  public static final long CONNECT_TIMEOUT_MILLIS = 5_000;

  /** Default most requests in flight to a provider. */
  public static final int MAX_CONCURRENT_REQUESTS = 1024;

  /** Default consecutive 5xx answers before a host is ejected. */
  public static final int CONSECUTIVE_5XX = 5;

  /** Default time a host stays ejected. */
  public static final long BASE_EJECTION_MILLIS = 30_000;

  /** Default share of hosts that may be ejected at once, in percent. */
  public static final int MAX_EJECTION_PERCENT = 100;

  /** Default soft threshold of a quota, in percent. */
  public static final int WARN_AT_PERCENT = 80;

  /** Default time zone of a quota's day and month windows. */
  public static final String TIME_ZONE = "UTC";

  /** Default JWT claim that names the client. */
  public static final String CLIENT_CLAIM = "sub";

  /** Default weight of a backend. */
  public static final int WEIGHT = 1;

  /** Default priority of a backend (the first one tried). */
  public static final int PRIORITY = 0;

  /** Shortest client API key accepted, so that keys cannot be guessed. */
  public static final int MIN_CLIENT_KEY_LENGTH = 16;

  private Defaults() {}

  /** Returns the key of a Secret's data that holds an API key. */
  public static String secretKey(String key) {
    return key == null ? Api.DEFAULT_CLIENT_KEY : key;
  }

  /** Returns the connect timeout of a provider in milliseconds. */
  public static long connectTimeoutMillis(ConnectionSettings c) {
    return Durations.toMillis(c == null ? null : c.connectTimeout, CONNECT_TIMEOUT_MILLIS);
  }

  /** Returns the most requests in flight to a provider. */
  public static int maxConcurrentRequests(ConnectionSettings c) {
    return c == null || c.maxConcurrentRequests == null
        ? MAX_CONCURRENT_REQUESTS
        : c.maxConcurrentRequests;
  }

  /** Returns the consecutive 5xx answers before a host is ejected. */
  public static int consecutive5xx(OutlierDetectionSettings o) {
    return o.consecutive5xx == null ? CONSECUTIVE_5XX : o.consecutive5xx;
  }

  /** Returns the time a host stays ejected, in milliseconds. */
  public static long baseEjectionMillis(OutlierDetectionSettings o) {
    return Durations.toMillis(o.baseEjectionTime, BASE_EJECTION_MILLIS);
  }

  /** Returns the share of hosts that may be ejected at once, in percent. */
  public static int maxEjectionPercent(OutlierDetectionSettings o) {
    return o.maxEjectionPercent == null ? MAX_EJECTION_PERCENT : o.maxEjectionPercent;
  }

  /** Returns whether a Service speaks TLS. */
  public static boolean tls(ServiceReference service) {
    return Boolean.TRUE.equals(service.tls);
  }

  /** Returns the Azure deployment of a model: its name unless set. */
  public static String deployment(ProviderModel m) {
    return m.deployment == null ? m.name : m.deployment;
  }

  /** The host of an Anthropic provider without an endpoint. */
  public static final String ANTHROPIC_HOST = "api.anthropic.com";

  /** The anthropic-version an Anthropic provider sends when the client sends none. */
  public static final String ANTHROPIC_VERSION = "2023-06-01";

  /** Returns an Anthropic provider's settings: version 2023-06-01 and no betas unless set. */
  public static GatewayModel.Anthropic anthropic(AnthropicSettings a) {
    String version = a == null || a.version == null ? ANTHROPIC_VERSION : a.version;
    List<String> betas =
        a == null || a.betas == null ? List.of() : List.copyOf(new TreeSet<>(a.betas));
    return new GatewayModel.Anthropic(version, betas);
  }

  /** Returns the price of cached input tokens: the input price unless set. */
  public static String cachedInputPerMillion(Pricing p) {
    return p.cachedInputPerMillion == null ? p.inputPerMillion : p.cachedInputPerMillion;
  }

  /** Returns the price of input tokens written to the cache: the input price unless set. */
  public static String cacheWriteInputPerMillion(Pricing p) {
    return p.cacheWriteInputPerMillion == null ? p.inputPerMillion : p.cacheWriteInputPerMillion;
  }

  /** Returns the most sensitive data a provider is cleared for. */
  public static DataClassification clearance(Governance g) {
    return g == null || g.dataClassification == null
        ? DataClassification.Public
        : g.dataClassification;
  }

  /** Returns which namespaces' routes may use a provider. */
  public static AllowedNamespaces allowedNamespaces(Governance g) {
    return g == null || g.allowedNamespaces == null ? AllowedNamespaces.Same : g.allowedNamespaces;
  }

  /** Returns the data classification a route carries. */
  public static DataClassification classification(AIRouteSpec spec) {
    return spec.dataClassification == null ? DataClassification.Public : spec.dataClassification;
  }

  /** Returns the namespace of a referenced provider: the route's own unless set. */
  public static String providerNamespace(ProviderReference provider, String routeNamespace) {
    return provider.namespace == null ? routeNamespace : provider.namespace;
  }

  /** Returns the weight of a backend. */
  public static int weight(Backend b) {
    return b.weight == null ? WEIGHT : b.weight;
  }

  /** Returns the priority of a backend. */
  public static int priority(Backend b) {
    return b.priority == null ? PRIORITY : b.priority;
  }

  /** Returns the retries of a rule. */
  public static int retryAttempts(RetryPolicy retry) {
    return retry == null || retry.attempts == null ? RETRY_ATTEMPTS : retry.attempts;
  }

  /** Returns the conditions a rule retries on, sorted: all of them unless set. */
  public static List<RetryOn> retryOn(RetryPolicy retry) {
    return retry == null || retry.conditions == null || retry.conditions.isEmpty()
        ? List.of(RetryOn.values())
        : new TreeSet<>(retry.conditions).stream().toList();
  }

  /** Returns the timeout of one attempt in milliseconds; 0 means the rule's timeout. */
  public static long perTryTimeoutMillis(RetryPolicy retry) {
    return Durations.toMillis(retry == null ? null : retry.perTryTimeout, 0);
  }

  /** Returns the whole-request timeout of a rule in milliseconds. */
  public static long timeoutMillis(RouteRule rule) {
    return Durations.toMillis(rule.timeout, TIMEOUT_MILLIS);
  }

  /** Returns the JWT claim that names the client. */
  public static String clientClaim(JwtClients jwt) {
    return jwt.clientClaim == null ? CLIENT_CLAIM : jwt.clientClaim;
  }

  /** Returns whether a quota enforces or only reports. */
  public static QuotaMode mode(TokenQuotaSpec spec) {
    return spec.mode == null ? QuotaMode.Enforce : spec.mode;
  }

  /** Returns the soft threshold of a quota, in percent. */
  public static int warnAtPercent(TokenQuotaSpec spec) {
    return spec.warnAtPercent == null ? WARN_AT_PERCENT : spec.warnAtPercent;
  }

  /** Returns the time zone of a quota's day and month windows. */
  public static String timeZone(TokenQuotaSpec spec) {
    return spec.timeZone == null ? TIME_ZONE : spec.timeZone;
  }
}
