package dev.tollgate.ratelimit.store;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The Redis store's one shared connection: established on first use, attempted again at most once
 * per reconnect delay while Redis is away, and re-established by Lettuce itself once it was up.
 * Concurrent commands are pipelined on it. Failures reach callers as {@link
 * StoreUnavailableException}.
 */
final class RedisConnector implements AutoCloseable {
  private final RedisStoreSettings settings;
  private final Clock clock;
  private final ClientResources resources;
  private final RedisClient client;
  private final RedisURI uri;
  private final Object connectLock = new Object();
  private volatile CompletableFuture<StatefulRedisConnection<String, String>> connection;
  private Instant nextConnectAttempt = Instant.MIN;

  RedisConnector(RedisStoreSettings settings, Clock clock) {
    this.settings = settings;
    this.clock = clock;
    this.uri = RedisURI.create(settings.uri());
    this.uri.setTimeout(settings.commandTimeout());
    this.resources =
        ClientResources.builder()
            .ioThreadPoolSize(2)
            .computationThreadPoolSize(2)
            .reconnectDelay(
                Delay.exponential(
                    Duration.ofMillis(20), settings.reconnectDelay(), 2, TimeUnit.MILLISECONDS))
            .build();
    this.client = RedisClient.create(resources);
    this.client.setOptions(
        ClientOptions.builder()
            .autoReconnect(true)
            // Fail at once while disconnected instead of queueing: the caller's failure mode
            // decides, and a budget decision that waits for Redis is worse than either.
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .timeoutOptions(TimeoutOptions.enabled(settings.commandTimeout()))
            .socketOptions(
                SocketOptions.builder()
                    .connectTimeout(settings.commandTimeout())
                    .keepAlive(true)
                    .build())
            .build());
  }

  /** Runs a script by its SHA-1, sending its source once when Redis does not have it cached. */
  CompletableFuture<List<Object>> eval(LuaScript script, String[] keys, String[] args) {
    return connection()
        .thenCompose(
            c -> {
              RedisAsyncCommands<String, String> redis = c.async();
              return redis
                  .<List<Object>>evalsha(script.sha(), ScriptOutputType.MULTI, keys, args)
                  .toCompletableFuture()
                  .exceptionallyCompose(
                      e ->
                          cause(e) instanceof RedisNoScriptException
                              // Redis restarted and lost its script cache: send the source once.
                              ? redis
                                  .<List<Object>>eval(
                                      script.source(), ScriptOutputType.MULTI, keys, args)
                                  .toCompletableFuture()
                              : CompletableFuture.failedFuture(e));
            })
        .exceptionallyCompose(RedisConnector::unavailable);
  }

  /** The connection, connecting first if there is none (yet, or since a failed attempt). */
  CompletableFuture<StatefulRedisConnection<String, String>> connection() {
    CompletableFuture<StatefulRedisConnection<String, String>> current = connection;
    if (current != null && !current.isCompletedExceptionally()) {
      return current;
    }
    synchronized (connectLock) {
      if (connection == current) {
        Instant now = clock.instant();
        if (current != null && now.isBefore(nextConnectAttempt)) {
          return current;
        }
        nextConnectAttempt = now.plus(settings.reconnectDelay());
        connection = client.connectAsync(StringCodec.UTF8, uri).toCompletableFuture();
      }
      return connection;
    }
  }

  @Override
  public void close() {
    CompletableFuture<StatefulRedisConnection<String, String>> current = connection;
    if (current != null && current.isDone() && !current.isCompletedExceptionally()) {
      current.join().close();
    }
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    resources.shutdown(0, 2, TimeUnit.SECONDS);
  }

  /** A failed future with the cause as a {@link StoreUnavailableException}. */
  static <T> CompletableFuture<T> unavailable(Throwable e) {
    Throwable cause = cause(e);
    if (cause instanceof StoreUnavailableException) {
      return CompletableFuture.failedFuture(cause);
    }
    return CompletableFuture.failedFuture(
        new StoreUnavailableException("Redis: " + cause.getMessage(), cause));
  }

  private static Throwable cause(Throwable e) {
    Throwable t = e;
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
