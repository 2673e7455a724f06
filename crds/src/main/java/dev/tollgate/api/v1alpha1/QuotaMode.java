package dev.tollgate.api.v1alpha1;

/** What happens to a request over budget. */
public enum QuotaMode {
  /** Reject with 429. */
  Enforce,
  /** Pass, mark the response, count and report the crossing. */
  Warn
}
