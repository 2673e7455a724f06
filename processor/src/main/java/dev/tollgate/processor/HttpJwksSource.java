package dev.tollgate.processor;

import dev.tollgate.model.PublicAddresses;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Fetches key sets over HTTP(S) with the JDK's asynchronous client and caches them: a fresh set is
 * served from memory; a stale one is still served while a new fetch runs in the background; fetches
 * of one URI are at least {@code minRefreshInterval} apart, also after failures, so a stream of
 * tokens with unknown key ids cannot make the processor hammer an identity provider.
 *
 * <p>Fetches follow a {@link JwksFetchPolicy}: https only, every address of the host public
 * (checked after resolution, which the JVM then caches for the connection), no proxy, no redirects,
 * bounded connect and total time, and the size limit enforced while the body is read. Resolution
 * runs on a small pool of its own, never on the caller's thread. Thread-safe.
 */
final class HttpJwksSource implements JwksSource {
  private final HttpClient http;
  private final JwksFetchPolicy policy;
  private final Executor resolver;
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

  /** Creates a source with its own HTTP client and resolver pool. */
  HttpJwksSource(JwksFetchPolicy policy, Clock clock, Duration ttl, Duration minRefreshInterval) {
    this(
        HttpClient.newBuilder()
            .connectTimeout(policy.connectTimeout())
            .followRedirects(HttpClient.Redirect.NEVER)
            .proxy(HttpClient.Builder.NO_PROXY)
            .build(),
        policy,
        resolverPool(),
        clock,
        ttl,
        minRefreshInterval);
  }

  /** Creates a source on a given HTTP client, which must not follow redirects nor use a proxy. */
  HttpJwksSource(
      HttpClient http,
      JwksFetchPolicy policy,
      Executor resolver,
      Clock clock,
      Duration ttl,
      Duration minRefreshInterval) {
    this.http = http;
    this.policy = policy;
    this.resolver = resolver;
    this.clock = clock;
    this.ttl = ttl;
    this.minRefreshInterval = minRefreshInterval;
  }

  private static Executor resolverPool() {
    AtomicInteger threads = new AtomicInteger();
    return Executors.newFixedThreadPool(
        2,
        r -> {
          Thread t = new Thread(r, "tollgate-jwks-resolver-" + threads.incrementAndGet());
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
    CompletableFuture<Void> resolved =
        policy.allowPrivateAddresses()
            ? CompletableFuture.completedFuture(null)
            : CompletableFuture.runAsync(() -> requirePublic(uri, target.getHost()), resolver);
    LimitedBody body = new LimitedBody(uri, policy.maxBytes());
    HttpRequest request =
        HttpRequest.newBuilder(target)
            .timeout(policy.totalTimeout())
            .header("accept", "application/json")
            .GET()
            .build();
    CompletableFuture<Jwks> fetch =
        resolved
            .thenCompose(ignored -> http.sendAsync(request, body))
            .thenApply(response -> parse(uri, response.body()))
            .orTimeout(policy.totalTimeout().toMillis(), TimeUnit.MILLISECONDS)
            .exceptionally(failure -> timedOut(uri, failure));
    // A stalled body is not ended by the request timeout, which stops at the response headers.
    fetch.whenComplete((jwks, failure) -> body.cancel());
    return fetch;
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

  private static void requirePublic(String uri, String host) {
    InetAddress[] addresses;
    try {
      addresses = InetAddress.getAllByName(host);
    } catch (UnknownHostException e) {
      throw new IllegalStateException("the host of the key set at " + uri + " does not resolve");
    }
    for (InetAddress address : addresses) {
      if (!PublicAddresses.isPublic(address)) {
        throw new IllegalStateException(
            "the key set at "
                + uri
                + " resolves to a non-public address (allowed only with"
                + " --jwks-allow-private-addresses)");
      }
    }
  }

  private Jwks timedOut(String uri, Throwable failure) {
    Throwable cause = Authenticator.unwrap(failure);
    if (cause instanceof TimeoutException || cause instanceof HttpTimeoutException) {
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
