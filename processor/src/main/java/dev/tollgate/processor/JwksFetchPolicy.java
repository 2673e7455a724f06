package dev.tollgate.processor;

import java.time.Duration;

/**
 * Where and how the processor may fetch JSON Web Key Sets.
 *
 * @param allowHttp whether {@code http://} key set URLs are fetched; by default only {@code
 *     https://} ones are, and an http URL is answered like an unreachable key set
 * @param allowPrivateAddresses whether key sets may be fetched from loopback, private (RFC 1918,
 *     unique-local), link-local, carrier-grade NAT and other non-public addresses; by default every
 *     address a host resolves to must be public, so a route cannot make the processor reach the
 *     cluster's or the cloud's internal services
 * @param connectTimeout longest wait for a connection
 * @param totalTimeout longest time for one fetch, from resolution to the last byte of the body
 * @param maxBytes largest key set, enforced while the body is read
 * @param maxWait longest a request waits for a key set that is not cached yet, then 503; the fetch
 *     itself goes on up to {@code totalTimeout} for later requests. Below Envoy's processor message
 *     timeout (2 s), so the client gets the processor's answer rather than Envoy's
 */
public record JwksFetchPolicy(
    boolean allowHttp,
    boolean allowPrivateAddresses,
    Duration connectTimeout,
    Duration totalTimeout,
    int maxBytes,
    Duration maxWait) {

  /** Validates the limits. */
  public JwksFetchPolicy {
    if (connectTimeout.isNegative()
        || connectTimeout.isZero()
        || totalTimeout.compareTo(connectTimeout) < 0
        || maxBytes < 1024
        || maxWait.isNegative()
        || maxWait.isZero()) {
      throw new IllegalArgumentException("JWKS fetch limits must be positive and not tiny");
    }
  }

  /**
   * The defaults: https to public addresses only, 2 s to connect, 5 s in all, 1 MiB, requests wait
   * 1.5 s.
   */
  public static JwksFetchPolicy defaults() {
    return new JwksFetchPolicy(
        false,
        false,
        Duration.ofSeconds(2),
        Duration.ofSeconds(5),
        1024 * 1024,
        Duration.ofMillis(1500));
  }

  /** Returns this policy with http and non-public addresses allowed or not, for local runs. */
  public JwksFetchPolicy withLocalAllowed(boolean allowHttp, boolean allowPrivateAddresses) {
    return new JwksFetchPolicy(
        allowHttp, allowPrivateAddresses, connectTimeout, totalTimeout, maxBytes, maxWait);
  }
}
