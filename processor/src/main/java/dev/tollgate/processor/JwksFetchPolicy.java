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
 */
public record JwksFetchPolicy(
    boolean allowHttp,
    boolean allowPrivateAddresses,
    Duration connectTimeout,
    Duration totalTimeout,
    int maxBytes) {

  /** Validates the limits. */
  public JwksFetchPolicy {
    if (connectTimeout.isNegative()
        || connectTimeout.isZero()
        || totalTimeout.compareTo(connectTimeout) < 0
        || maxBytes < 1024) {
      throw new IllegalArgumentException("JWKS fetch limits must be positive and not tiny");
    }
  }

  /** The defaults: https to public addresses only, 2 s to connect, 5 s in all, 1 MiB. */
  public static JwksFetchPolicy defaults() {
    return new JwksFetchPolicy(
        false, false, Duration.ofSeconds(2), Duration.ofSeconds(5), 1024 * 1024);
  }

  /** Returns this policy with http and non-public addresses allowed or not, for local runs. */
  public JwksFetchPolicy withLocalAllowed(boolean allowHttp, boolean allowPrivateAddresses) {
    return new JwksFetchPolicy(
        allowHttp, allowPrivateAddresses, connectTimeout, totalTimeout, maxBytes);
  }
}
