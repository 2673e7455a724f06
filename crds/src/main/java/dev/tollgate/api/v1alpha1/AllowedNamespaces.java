package dev.tollgate.api.v1alpha1;

/** Which namespaces may use a provider. */
public enum AllowedNamespaces {
  /** Only routes in the provider's own namespace. */
  Same,
  /** Routes in every namespace. */
  All,
  /** Routes in namespaces whose labels match the selector. */
  Selector
}
