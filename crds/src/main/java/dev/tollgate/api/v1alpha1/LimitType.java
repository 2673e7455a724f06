package dev.tollgate.api.v1alpha1;

/** What a budget counts. */
public enum LimitType {
  /** Input plus output tokens. */
  Tokens,
  /** Prompt tokens only. */
  InputTokens,
  /** Completion tokens only. */
  OutputTokens,
  /** Requests, one per call. */
  Requests,
  /** Money, from the providers' per-model prices. */
  Cost
}
