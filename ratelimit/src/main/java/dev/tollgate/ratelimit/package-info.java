/** Tollgate's token-budget rate-limit service: Envoy RLS with memory and Redis stores. */
package dev.tollgate.ratelimit;
