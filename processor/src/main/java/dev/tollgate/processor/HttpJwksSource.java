package dev.tollgate.processor;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Fetches key sets over HTTP(S) with the JDK's asynchronous client and caches them: a fresh set is
 * served from memory; a stale one is still served while a new fetch runs in the background; fetches
 * of one URI are at least {@code minRefreshInterval} apart, also after failures, so a stream of
 * tokens with unknown key ids cannot make the processor hammer an identity provider. Thread-safe.
 */
final class HttpJwksSource implements JwksSource {
  private static final int MAX_BYTES = 1024 * 1024;
  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  private final HttpClient http;
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

  /** Creates a source with its own HTTP client. */
  HttpJwksSource(Clock clock, Duration ttl, Duration minRefreshInterval) {
    this(
        HttpClient.newBuilder()
            .connectTimeout(TIMEOUT)
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build(),
        clock,
        ttl,
        minRefreshInterval);
  }

  /** Creates a source on a given HTTP client. */
  HttpJwksSource(HttpClient http, Clock clock, Duration ttl, Duration minRefreshInterval) {
    this.http = http;
    this.clock = clock;
    this.ttl = ttl;
    this.minRefreshInterval = minRefreshInterval;
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
    CompletableFuture<Jwks> fetch;
    try {
      HttpRequest request =
          HttpRequest.newBuilder(URI.create(uri))
              .timeout(TIMEOUT)
              .header("accept", "application/json")
              .GET()
              .build();
      fetch =
          http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray())
              .thenApply(
                  response -> {
                    if (response.statusCode() != 200) {
                      throw new IllegalStateException(
                          "the key set at " + uri + " answered HTTP " + response.statusCode());
                    }
                    if (response.body().length > MAX_BYTES) {
                      throw new IllegalStateException("the key set at " + uri + " is too large");
                    }
                    try {
                      return Jwks.parse(response.body());
                    } catch (IOException ex) {
                      throw new IllegalStateException("the key set at " + uri + " is not JSON", ex);
                    }
                  });
    } catch (IllegalArgumentException ex) {
      fetch = CompletableFuture.failedFuture(ex);
    }
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
}
