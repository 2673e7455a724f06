package dev.tollgate.processor;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Where the processor gets JSON Web Key Sets. Implementations never block the caller: they return a
 * future, completed at once when the set is cached.
 */
interface JwksSource {
  /** Returns the key set at a URI, from the cache when it is fresh. */
  CompletableFuture<Jwks> keys(String uri);

  /**
   * Returns the key set at a URI fetched anew, for a token signed with a key id the cached set does
   * not hold (the issuer rotated its keys); implementations limit how often this fetches.
   */
  CompletableFuture<Jwks> refresh(String uri);

  /** Longest a request waits for a key set that is not cached yet before it is answered 503. */
  default Duration maxWait() {
    return JwksFetchPolicy.defaults().maxWait();
  }

  /** Forgets the cached key sets of URLs that no route uses any more. */
  default void retain(Set<String> uris) {}
}
