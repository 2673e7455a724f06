package dev.tollgate.model;

/** Condition reasons, shared so that status, golden files and docs use the same words. */
public final class Reasons {
  /** Accepted=True, ResolvedRefs=True. */
  public static final String ACCEPTED = "Accepted";

  /** ResolvedRefs=True. */
  public static final String RESOLVED_REFS = "ResolvedRefs";

  /** A field has an invalid value. */
  public static final String INVALID = "Invalid";

  /** Two resources claim the same thing; the older one keeps it. */
  public static final String CONFLICTED = "Conflicted";

  /** A route's data classification exceeds a provider's clearance. */
  public static final String CLASSIFICATION_NOT_CLEARED = "ClassificationNotCleared";

  /** A referenced provider does not exist or is not accepted. */
  public static final String PROVIDER_NOT_FOUND = "ProviderNotFound";

  /** A referenced provider does not allow the referring namespace. */
  public static final String REF_NOT_PERMITTED = "RefNotPermitted";

  /** A backend names a model its provider does not offer. */
  public static final String MODEL_NOT_OFFERED = "ModelNotOffered";

  /** A referenced Secret or Secret key does not exist. */
  public static final String SECRET_NOT_FOUND = "SecretNotFound";

  /** A quota names a route that does not exist. */
  public static final String ROUTE_NOT_FOUND = "RouteNotFound";

  /** A client key Secret cannot be used. */
  public static final String INVALID_CLIENT_KEY = "InvalidClientKey";

  /**
   * A route's client Secret lacks the label the processor reads client keys by, so that key gets
   * 401 until the Secret is labelled.
   */
  public static final String CLIENT_KEY_NOT_WATCHED = "ClientKeyNotWatched";

  /** A ModelProvider is in a namespace whose providers the platform does not honour. */
  public static final String NAMESPACE_NOT_ALLOWED = "NamespaceNotAllowed";

  /** A ModelProvider's endpoint is not allowed by the provider endpoint allow-list. */
  public static final String ENDPOINT_NOT_ALLOWED = "EndpointNotAllowed";

  /** A quota's Cost limit cannot price a model its routes reach; requests for it are refused. */
  public static final String MODEL_NOT_PRICED = "ModelNotPriced";

  /** A quota selects namespaces but is not in a platform namespace. */
  public static final String NOT_PLATFORM_NAMESPACE = "NotPlatformNamespace";

  /** Accepted=False because references do not resolve. */
  public static final String UNRESOLVED_REFS = "UnresolvedRefs";

  /** A rule's tier names a model no other rule of its route serves. */
  public static final String TIER_NOT_FOUND = "TierNotFound";

  private Reasons() {}
}
