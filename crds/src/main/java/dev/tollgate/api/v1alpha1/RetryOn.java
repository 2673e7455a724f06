package dev.tollgate.api.v1alpha1;

/** Upstream outcomes that trigger a retry. */
public enum RetryOn {
  /** The provider answered 429 Too Many Requests. */
  RateLimited,
  /** The provider answered with a 5xx status. */
  ServerError,
  /** No connection could be made, or it was reset before a response. */
  ConnectFailure
}
