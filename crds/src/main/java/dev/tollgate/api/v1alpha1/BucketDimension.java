package dev.tollgate.api.v1alpha1;

/** A dimension a budget is counted per. */
public enum BucketDimension {
  /** The authenticated client id. */
  Client,
  /** The requested model name (alias included). */
  Model
}
