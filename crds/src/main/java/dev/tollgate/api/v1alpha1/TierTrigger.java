package dev.tollgate.api.v1alpha1;

/** When a rule's requests fall to its cheaper tier. */
public enum TierTrigger {
  /** When a budget is past its warn threshold, or cannot hold the request. */
  Warn,
  /** Only when an enforced budget cannot hold the request. */
  Exhausted
}
