package dev.tollgate.api.v1alpha1;

/** Data classification levels, from least to most sensitive. */
public enum DataClassification {
  /** Data that may be published. */
  Public,
  /** Data for the organisation's own people. */
  Internal,
  /** Data whose disclosure harms the organisation or its customers. */
  Confidential,
  /** The most sensitive data: regulated or personal data under strict rules. */
  Restricted
}
