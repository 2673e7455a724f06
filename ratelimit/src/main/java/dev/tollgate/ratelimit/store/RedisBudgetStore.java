package dev.tollgate.ratelimit.store;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.KeyValue;
import io.lettuce.core.Range;
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
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Budget counters in Redis, shared by every replica and kept across restarts of the service.
 *
 * <p>Key layout (prefix {@code tollgate}, namespace {@code team-a}):
 *
 * <pre>
 * tollgate:{team-a}:b:&lt;bucket id&gt;     hash: used, res (reserved), r:&lt;request id&gt; per held
 *                                    reservation, warned/over flags; expires after its window
 * tollgate:{team-a}:b:&lt;bucket id&gt;:r   sorted set: request id by reservation expiry (ms)
 * tollgate:{team-a}:q:&lt;request id&gt;    hash: b (bucket ids held), e (expiry ms)
 * tollgate:{team-a}:c:&lt;request id&gt;    string: until when the commit is remembered (ms), a
 *                                    space, and the commit's settlement
 * tollgate:{team-a}:open              sorted set: live reservations by expiry
 * tollgate:{team-a}:idx               sorted set: bucket ids by window end, for usage reports
 * </pre>
 *
 * <p>Every key of a namespace carries the namespace as its hash tag. A request only ever counts in
 * buckets of its own namespace, so one Lua script can check and reserve all of them atomically and
 * still run on a single Redis Cluster shard. Each script is idempotent by request id, which also
 * makes Lettuce's replay of commands in flight across a reconnect harmless.
 *
 * <p>Thread-safe; one connection is shared, and concurrent calls are pipelined on it.
 */
public final class RedisBudgetStore implements BudgetStore {
  private static final RedisScript RESERVE = RedisScript.load("buckets.lua", "reserve.lua");
  private static final RedisScript COMMIT = RedisScript.load("buckets.lua", "commit.lua");
  private static final RedisScript READ = RedisScript.load("buckets.lua", "read.lua");
  private static final int COMMIT_ATTEMPTS = 3;

  private final RedisStoreSettings settings;
  private final Clock clock;
  private final ClientResources resources;
  private final RedisClient client;
  private final RedisURI uri;
  private final Object connectLock = new Object();
  private volatile CompletableFuture<StatefulRedisConnection<String, String>> connection;
  private Instant nextConnectAttempt = Instant.MIN;

  /**
   * Creates a store; it connects on first use and keeps trying while Redis is away.
   *
   * @param settings connection and key settings
   * @param clock paces connection attempts
   */
  public RedisBudgetStore(RedisStoreSettings settings, Clock clock) {
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

  @Override
  public String name() {
    return "redis";
  }

  @Override
  public CompletableFuture<ReserveResult> reserve(
      String namespace, String requestId, List<Charge> charges, Instant now, Instant expiresAt) {
    Keys k = new Keys(namespace);
    List<String> keys = new ArrayList<>(4 + 2 * charges.size());
    keys.add(k.record(requestId));
    keys.add(k.marker(requestId));
    keys.add(k.open());
    keys.add(k.index());
    List<String> args = new ArrayList<>(6 + 6 * charges.size());
    args.add(requestId);
    args.add(ms(now));
    args.add(ms(expiresAt));
    args.add(Long.toString(Duration.between(now, expiresAt).plus(settings.keyGrace()).toMillis()));
    args.add(String.join("\n", charges.stream().map(Charge::bucketId).toList()));
    args.add(Long.toString(settings.keyGrace().toMillis()));
    for (Charge charge : charges) {
      keys.add(k.bucket(charge.bucketId()));
      keys.add(k.reservations(charge.bucketId()));
      addCharge(args, charge);
    }
    return eval(RESERVE, keys, args)
        .thenApply(
            out -> {
              int code = (int) (long) out.get(0);
              ReserveResult.Status status =
                  switch (code) {
                    case 0 -> ReserveResult.Status.RESERVED;
                    case 1 -> ReserveResult.Status.REJECTED;
                    case 2 -> ReserveResult.Status.ALREADY_RESERVED;
                    default -> ReserveResult.Status.ALREADY_COMMITTED;
                  };
              if (status == ReserveResult.Status.ALREADY_COMMITTED) {
                return new ReserveResult(status, -1, List.of(), List.of());
              }
              Parsed parsed = parse(out, 2, charges.size());
              return new ReserveResult(
                  status, (int) (long) out.get(1) - 1, parsed.states(), parsed.crossings());
            });
  }

  @Override
  public CompletableFuture<CommitResult> commit(
      String namespace,
      String requestId,
      List<Charge> charges,
      boolean countWithoutReservation,
      Instant now,
      String settlement) {
    return finish(namespace, requestId, charges, countWithoutReservation, now, settlement, 1)
        .thenApply(
            out -> {
              int code = (int) (long) out.get(0);
              return switch (code) {
                case 2 -> // The marker: "<until ms> <settlement>".
                    new CommitResult(
                        CommitResult.Status.DUPLICATE,
                        List.of(),
                        List.of(),
                        ((String) out.get(1)).replaceFirst("^[0-9]+ ?", ""));
                case 3 ->
                    new CommitResult(
                        CommitResult.Status.NOTHING_COUNTED, List.of(), List.of(), settlement);
                default -> {
                  Parsed parsed = parse(out, 1, charges.size());
                  yield new CommitResult(
                      CommitResult.Status.COMMITTED,
                      parsed.states(),
                      parsed.crossings(),
                      settlement);
                }
              };
            });
  }

  @Override
  public CompletableFuture<Boolean> release(String namespace, String requestId, Instant now) {
    return finish(namespace, requestId, List.of(), false, now, null, 1)
        .thenApply(out -> (long) out.get(0) == 1L);
  }

  @Override
  public CompletableFuture<List<BucketState>> read(
      String namespace, List<Charge> charges, Instant now) {
    Keys k = new Keys(namespace);
    // One read script per bucket, sent without waiting for each reply: pipelined.
    List<CompletableFuture<BucketState>> reads = new ArrayList<>(charges.size());
    for (Charge charge : charges) {
      String id = charge.bucketId();
      reads.add(
          eval(READ, List.of(k.bucket(id), k.reservations(id)), List.of(ms(now)))
              .thenApply(out -> new BucketState((long) out.get(0), (long) out.get(1))));
    }
    return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new))
        .thenApply(v -> reads.stream().map(CompletableFuture::join).toList())
        .exceptionallyCompose(RedisBudgetStore::unavailable);
  }

  @Override
  public CompletableFuture<List<BucketReading>> usage(String namespace, Instant now) {
    Keys k = new Keys(namespace);
    return connection()
        .thenCompose(
            c -> {
              RedisAsyncCommands<String, String> redis = c.async();
              // Ended windows leave the index here rather than on every reservation.
              redis.zremrangebyscore(k.index(), Range.create(0d, (double) now.toEpochMilli()));
              return redis.zrangebyscoreWithScores(k.index(), after(now)).toCompletableFuture();
            })
        .thenCompose(
            entries -> {
              // One read script per bucket, sent without waiting for each reply: pipelined.
              List<CompletableFuture<BucketReading>> reads = new ArrayList<>();
              for (var entry : entries) {
                String id = entry.getValue();
                Instant end = Instant.ofEpochMilli((long) entry.getScore());
                reads.add(
                    eval(READ, List.of(k.bucket(id), k.reservations(id)), List.of(ms(now)))
                        .thenApply(
                            out ->
                                new BucketReading(id, (long) out.get(0), (long) out.get(1), end)));
              }
              return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new))
                  .thenApply(
                      v ->
                          reads.stream()
                              .map(CompletableFuture::join)
                              .sorted(Comparator.comparing(BucketReading::bucketId))
                              .toList());
            })
        .exceptionallyCompose(RedisBudgetStore::unavailable);
  }

  @Override
  public CompletableFuture<Long> outstandingReservations(
      Collection<String> namespaces, Instant now) {
    return connection()
        .thenCompose(
            c -> {
              RedisAsyncCommands<String, String> redis = c.async();
              List<CompletableFuture<Long>> counts = new ArrayList<>();
              for (String namespace : namespaces) {
                String open = new Keys(namespace).open();
                // Expired reservations leave the set here rather than on every reservation.
                redis.zremrangebyscore(open, Range.create(0d, (double) now.toEpochMilli()));
                counts.add(redis.zcount(open, after(now)).toCompletableFuture());
              }
              return CompletableFuture.allOf(counts.toArray(CompletableFuture[]::new))
                  .thenApply(v -> counts.stream().mapToLong(CompletableFuture::join).sum());
            })
        .exceptionallyCompose(RedisBudgetStore::unavailable);
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

  /**
   * Commits (with the settlement to keep) or releases (a null settlement): reads which buckets the
   * request holds, then runs the script on them.
   */
  private CompletableFuture<List<Object>> finish(
      String namespace,
      String requestId,
      List<Charge> charges,
      boolean countWithoutReservation,
      Instant now,
      String settlement,
      int attempt) {
    Keys k = new Keys(namespace);
    return connection()
        .thenCompose(c -> c.async().hmget(k.record(requestId), "b", "e").toCompletableFuture())
        .exceptionallyCompose(RedisBudgetStore::unavailable)
        .thenCompose(
            record -> {
              String heldText = liveHolds(record, now);
              List<String> held = heldText.isEmpty() ? List.of() : List.of(heldText.split("\n"));
              List<String> keys = new ArrayList<>();
              keys.add(k.record(requestId));
              keys.add(k.marker(requestId));
              keys.add(k.open());
              keys.add(k.index());
              for (String id : held) {
                keys.add(k.bucket(id));
                keys.add(k.reservations(id));
              }
              Instant markerUntil = now.plus(settings.commitRetention());
              List<String> args = new ArrayList<>();
              args.add(requestId);
              args.add(ms(now));
              args.add(heldText);
              args.add(Integer.toString(held.size()));
              args.add(settlement == null ? "release" : "commit");
              args.add(countWithoutReservation ? "1" : "0");
              args.add(ms(markerUntil));
              args.add(
                  Long.toString(settings.commitRetention().plus(settings.keyGrace()).toMillis()));
              args.add(Long.toString(settings.keyGrace().toMillis()));
              args.add(settlement == null ? "" : settlement);
              for (Charge charge : charges) {
                keys.add(k.bucket(charge.bucketId()));
                keys.add(k.reservations(charge.bucketId()));
                addCharge(args, charge);
              }
              return eval(COMMIT, keys, args);
            })
        .thenCompose(
            out -> {
              if ((long) out.get(0) != 9L) {
                return CompletableFuture.completedFuture(out);
              }
              if (attempt >= COMMIT_ATTEMPTS) {
                return CompletableFuture.failedFuture(
                    new StoreUnavailableException(
                        "the reservation of request "
                            + requestId
                            + " kept changing while it was being committed",
                        null));
              }
              return finish(
                  namespace,
                  requestId,
                  charges,
                  countWithoutReservation,
                  now,
                  settlement,
                  attempt + 1);
            });
  }

  private static String liveHolds(List<KeyValue<String, String>> record, Instant now) {
    String held = record.get(0).getValueOrElse(null);
    String expiry = record.get(1).getValueOrElse(null);
    if (held == null || expiry == null || Long.parseLong(expiry) <= now.toEpochMilli()) {
      return "";
    }
    return held;
  }

  private static void addCharge(List<String> args, Charge charge) {
    args.add(charge.bucketId());
    args.add(Long.toString(charge.amount()));
    args.add(Long.toString(charge.limit()));
    args.add(Long.toString(charge.warnAt()));
    args.add(charge.enforced() ? "1" : "0");
    args.add(ms(charge.windowEnd()));
  }

  private static Parsed parse(List<Object> out, int offset, int buckets) {
    List<BucketState> states = new ArrayList<>(buckets);
    List<Crossing> crossings = new ArrayList<>();
    for (int i = 0; i < buckets; i++) {
      int at = offset + 4 * i;
      states.add(new BucketState((long) out.get(at), (long) out.get(at + 1)));
      if ((long) out.get(at + 2) == 1L) {
        crossings.add(new Crossing(i, Crossing.Threshold.WARN));
      }
      if ((long) out.get(at + 3) == 1L) {
        crossings.add(new Crossing(i, Crossing.Threshold.LIMIT));
      }
    }
    return new Parsed(states, crossings);
  }

  private CompletableFuture<List<Object>> eval(
      RedisScript script, List<String> keys, List<String> args) {
    String[] k = keys.toArray(String[]::new);
    String[] a = args.toArray(String[]::new);
    return connection()
        .thenCompose(
            c -> {
              RedisAsyncCommands<String, String> redis = c.async();
              return redis
                  .<List<Object>>evalsha(script.sha(), ScriptOutputType.MULTI, k, a)
                  .toCompletableFuture()
                  .exceptionallyCompose(
                      e ->
                          cause(e) instanceof RedisNoScriptException
                              // Redis restarted and lost its script cache: send the source once.
                              ? redis
                                  .<List<Object>>eval(script.source(), ScriptOutputType.MULTI, k, a)
                                  .toCompletableFuture()
                              : CompletableFuture.failedFuture(e));
            })
        .exceptionallyCompose(RedisBudgetStore::unavailable);
  }

  private CompletableFuture<StatefulRedisConnection<String, String>> connection() {
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

  private static <T> CompletableFuture<T> unavailable(Throwable e) {
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

  private static Range<Double> after(Instant now) {
    return Range.create((double) now.toEpochMilli() + 1, Double.MAX_VALUE);
  }

  private static String ms(Instant instant) {
    return Long.toString(instant.toEpochMilli());
  }

  private record Parsed(List<BucketState> states, List<Crossing> crossings) {}

  /** The keys of one namespace; see the class comment. */
  private final class Keys {
    private final String base;

    Keys(String namespace) {
      this.base = settings.keyPrefix() + ":{" + namespace + "}:";
    }

    String bucket(String id) {
      return base + "b:" + id;
    }

    String reservations(String id) {
      return base + "b:" + id + ":r";
    }

    String record(String requestId) {
      return base + "q:" + requestId;
    }

    String marker(String requestId) {
      return base + "c:" + requestId;
    }

    String open() {
      return base + "open";
    }

    String index() {
      return base + "idx";
    }
  }
}
