package dev.tollgate.processor;

import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLSocketFactory;

/**
 * Fetches key sets over HTTP(S) and caches them: a fresh set is served from memory; a stale one is
 * still served while a new fetch runs in the background; fetches of one URI are at least {@code
 * minRefreshInterval} apart, also after failures, so a stream of tokens with unknown key ids cannot
 * make the processor hammer an identity provider.
 *
 * <p>Fetches follow a {@link JwksFetchPolicy}: https only, the host resolved once and every address
 * it resolves to public, the connection made to that checked address (no DNS rebinding, see {@link
 * PinnedJwksFetch}), no proxy, no redirects, bounded connect and total time, and the size limit
 * enforced while the body is read. Each fetch runs on a pool of its own, never on the caller's
 * thread; a fetch that outlives its time is ended by closing its socket. Thread-safe.
 */
final class HttpJwksSource implements JwksSource {
  /** Fetches at once, across every key set URI; more fail at once instead of queueing. */
  static final int MAX_CONCURRENT_FETCHES = 16;

  private final PinnedJwksFetch fetcher;
  private final JwksFetchPolicy policy;
  private final Executor pool;
  private final Clock clock;
  private final Duration ttl;
  private final Duration minRefreshInterval;
  private final Map<String, Entry> entries = new HashMap<>();

  private static final class Entry {
    CompletableFuture<Jwks> inFlight;
    Jwks good;
    Instant goodAt;
    Instant lastFetch;
    Throwable lastFailure;
  }

  /** Creates a source on the JVM's resolver, plain sockets and default TLS trust. */
  HttpJwksSource(JwksFetchPolicy policy, Clock clock, Duration ttl, Duration minRefreshInterval) {
    this(
        new PinnedJwksFetch(
            policy,
            PinnedJwksFetch.SYSTEM_RESOLVER,
            PinnedJwksFetch.PLAIN_SOCKETS,
            (SSLSocketFactory) SSLSocketFactory.getDefault()),
        policy,
        fetchPool(),
        clock,
        ttl,
        minRefreshInterval);
  }

  /** Creates a source on a given fetcher (a resolver, connector or trust of a test's). */
  HttpJwksSource(
      PinnedJwksFetch fetcher,
      JwksFetchPolicy policy,
      Executor pool,
      Clock clock,
      Duration ttl,
      Duration minRefreshInterval) {
    this.fetcher = fetcher;
    this.policy = policy;
    this.pool = pool;
    this.clock = clock;
    this.ttl = ttl;
    this.minRefreshInterval = minRefreshInterval;
  }

  /**
   * Threads made as fetches start and dropped when idle; one stalling identity provider holds one
   * thread for at most the total timeout and never delays another's fetch.
   */
  static Executor fetchPool() {
    AtomicInteger threads = new AtomicInteger();
    return new ThreadPoolExecutor(
        0,
        MAX_CONCURRENT_FETCHES,
        30,
        TimeUnit.SECONDS,
        new SynchronousQueue<>(),
        r -> {
          Thread t = new Thread(r, "tollgate-jwks-fetch-" + threads.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
  }

  @Override
  public synchronized void retain(Set<String> uris) {
    entries.keySet().retainAll(uris);
  }

  @Override
  public Duration maxWait() {
    return policy.maxWait();
  }

  @Override
  public synchronized CompletableFuture<Jwks> keys(String uri) {
    Entry e = entries.computeIfAbsent(uri, u -> new Entry());
    Instant now = clock.instant();
    if (e.good != null) {
      if (e.goodAt.plus(ttl).isBefore(now)) {
        // Serve the stale set now; the new one replaces it when it arrives.
        fetchIfAllowed(uri, e, now);
      }
      return CompletableFuture.completedFuture(e.good);
    }
    if (e.inFlight != null) {
      return e.inFlight;
    }
    CompletableFuture<Jwks> fetch = fetchIfAllowed(uri, e, now);
    if (fetch != null) {
      return fetch;
    }
    return CompletableFuture.failedFuture(
        new IOException("the key set at " + uri + " could not be fetched", e.lastFailure));
  }

  @Override
  public synchronized CompletableFuture<Jwks> refresh(String uri) {
    Entry e = entries.computeIfAbsent(uri, u -> new Entry());
    if (e.inFlight != null) {
      return e.inFlight;
    }
    CompletableFuture<Jwks> fetch = fetchIfAllowed(uri, e, clock.instant());
    if (fetch != null) {
      return fetch;
    }
    return e.good != null ? CompletableFuture.completedFuture(e.good) : keys(uri);
  }

  /** Starts a fetch unless one runs or the last started too recently; returns it, else null. */
  private CompletableFuture<Jwks> fetchIfAllowed(String uri, Entry e, Instant now) {
    if (e.inFlight != null
        || (e.lastFetch != null && e.lastFetch.plus(minRefreshInterval).isAfter(now))) {
      return null;
    }
    e.lastFetch = now;
    CompletableFuture<Jwks> fetch = fetch(uri);
    e.inFlight = fetch;
    fetch.whenComplete((jwks, failure) -> completed(e, jwks, failure));
    return fetch;
  }

  private synchronized void completed(Entry e, Jwks jwks, Throwable failure) {
    e.inFlight = null;
    if (failure == null) {
      e.good = jwks;
      e.goodAt = clock.instant();
      e.lastFailure = null;
    } else {
      e.lastFailure = failure;
    }
  }

  /** One fetch under the policy; fails with a message that names the URI and the reason. */
  private CompletableFuture<Jwks> fetch(String uri) {
    URI target;
    try {
      target = checkedUri(uri);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(e);
    }
    List<Socket> sockets = new CopyOnWriteArrayList<>();
    CompletableFuture<byte[]> body;
    try {
      body =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return fetcher.fetch(uri, target, sockets::add);
                } catch (IOException e) {
                  String message = String.valueOf(e.getMessage());
                  throw new CompletionException(
                      message.contains(uri)
                          ? e
                          : new IOException("the key set at " + uri + ": " + message, e));
                }
              },
              pool);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(
          new IllegalStateException(
              "the key set at " + uri + " was not fetched: too many key set fetches at once"));
    }
    CompletableFuture<Jwks> fetch =
        body.thenApply(bytes -> parse(uri, bytes))
            .orTimeout(policy.totalTimeout().toMillis(), TimeUnit.MILLISECONDS)
            .exceptionally(failure -> timedOut(uri, failure));
    // A fetch that timed out is still reading: closing its socket ends it.
    fetch.whenComplete((jwks, failure) -> sockets.forEach(HttpJwksSource::closeQuietly));
    return fetch;
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // already closed
    }
  }

  private URI checkedUri(String uri) {
    URI target = URI.create(uri);
    String scheme = target.getScheme() == null ? "" : target.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("https") && !(scheme.equals("http") && policy.allowHttp())) {
      throw new IllegalArgumentException(
          "the key set at " + uri + " is not an https URL (http needs --jwks-allow-http)");
    }
    if (target.getHost() == null || target.getRawUserInfo() != null) {
      throw new IllegalArgumentException("the key set URL " + uri + " has no host or has a user");
    }
    return target;
  }

  private Jwks timedOut(String uri, Throwable failure) {
    Throwable cause = Authenticator.unwrap(failure);
    if (cause instanceof TimeoutException || cause instanceof SocketTimeoutException) {
      throw new CompletionException(
          new IllegalStateException(
              "the key set at " + uri + " did not arrive within " + policy.totalTimeout()));
    }
    throw failure instanceof CompletionException c ? c : new CompletionException(failure);
  }

  private static Jwks parse(String uri, byte[] body) {
    try {
      return Jwks.parse(body);
    } catch (IOException ex) {
      throw new IllegalStateException("the key set at " + uri + " is not JSON", ex);
    }
  }
}
