package dev.tollgate.api.v1alpha1;

/** Constants that name Tollgate's API group, version and well-known labels. */
public final class Api {
  /** The API group of all Tollgate resources. */
  public static final String GROUP = "tollgate.dev";

  /** The version of the API types in this package. */
  public static final String VERSION = "v1alpha1";

  /** {@code apiVersion} as written in manifests. */
  public static final String API_VERSION = GROUP + "/" + VERSION;

  /** Label on a Secret naming the client id its API key belongs to (default: the Secret name). */
  public static final String CLIENT_LABEL = "tollgate.dev/client";

  /**
   * Annotation on a client key Secret listing the requested model names (comma-separated) the key
   * may call; absent: every model of the routes it may call.
   */
  public static final String KEY_MODELS_ANNOTATION = "tollgate.dev/models";

  /**
   * Annotation on a client key Secret with the instant the key stops working (RFC 3339, e.g.
   * 2026-12-31T00:00:00Z); absent: it does not expire.
   */
  public static final String KEY_EXPIRES_ANNOTATION = "tollgate.dev/expires-at";

  /** A DNS-1123 subdomain, the form of most Kubernetes object names. */
  public static final String DNS_SUBDOMAIN =
      "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

  /** A DNS-1123 label, the form of namespace names. */
  public static final String DNS_LABEL = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";

  /** A Kubernetes duration as Tollgate accepts it: 250ms, 30s, 5m, 1h. */
  public static final String DURATION = "^[0-9]{1,6}(ms|s|m|h)$";

  /** A non-negative decimal amount, e.g. a price or a budget in currency. */
  public static final String DECIMAL = "^[0-9]{1,12}(\\.[0-9]{1,9})?$";

  /** A model name as clients request it and providers offer it. */
  public static final String MODEL_NAME = "^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,127}$";

  /** A key of a Secret's data. */
  public static final String SECRET_KEY = "^[-._a-zA-Z0-9]+$";

  /** An Azure OpenAI deployment name. */
  public static final String DEPLOYMENT = "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$";

  /** A JWT claim name. */
  public static final String CLAIM = "^[A-Za-z0-9_.:/-]{1,128}$";

  /** The form of an IANA time zone name; whether the zone exists is checked at build time. */
  public static final String TIME_ZONE = "^[A-Za-z]+(/[A-Za-z0-9_+-]+){0,2}$|^UTC$";

  /** Default key inside a client Secret's data holding the API key. */
  public static final String DEFAULT_CLIENT_KEY = "apiKey";

  private Api() {}
}
