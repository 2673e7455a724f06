package dev.tollgate.ratelimit.store;

import java.time.Duration;

/**
 * How the Redis store connects and keeps its keys.
 *
 * @param uri the Redis URI, e.g. {@code redis://127.0.0.1:6379}
 * @param keyPrefix first part of every key, so that several gateways can share one Redis
 * @param commandTimeout how long a command may take before the store counts as unavailable
 * @param reconnectDelay least time between two attempts to establish the first connection; once
 *     connected, the client reconnects by itself
 * @param commitRetention how long a commit is remembered, so a repeated one changes nothing
 * @param keyGrace how long a bucket outlives the end of its window, for replicas whose clocks
 *     differ a little
 */
public record RedisStoreSettings(
    String uri,
    String keyPrefix,
    Duration commandTimeout,
    Duration reconnectDelay,
    Duration commitRetention,
    Duration keyGrace) {

  /**
   * Returns settings with the prefix {@code tollgate} and a 250 ms command timeout, well below
   * Envoy's rate-limit timeout, so that Envoy gets the decision of the service's failure mode
   * rather than applying its own.
   */
  public static RedisStoreSettings of(String uri) {
    return new RedisStoreSettings(
        uri,
        "tollgate",
        Duration.ofMillis(250),
        Duration.ofSeconds(1),
        Duration.ofMinutes(30),
        Duration.ofMinutes(1));
  }

  /** Returns a copy with another command timeout. */
  public RedisStoreSettings withCommandTimeout(Duration timeout) {
    return new RedisStoreSettings(
        uri, keyPrefix, timeout, reconnectDelay, commitRetention, keyGrace);
  }
}
