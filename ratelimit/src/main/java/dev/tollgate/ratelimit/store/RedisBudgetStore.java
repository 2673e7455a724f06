package dev.tollgate.ratelimit.store;

import io.lettuce.core.KeyValue;
import io.lettuce.core.Range;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Budget counters in Redis, shared by every replica and kept across restarts of the service.
 *
 * <p>The keys ({@link RedisKeys}) of a namespace share its hash tag, so one Lua script ({@link
 * LuaScript}) can check and reserve all buckets of a request atomically and still run on a single
 * Redis Cluster shard. Each script is idempotent by request id, which also makes Lettuce's replay
 * of commands in flight across a reconnect harmless.
 *
 * <p>Thread-safe; one connection is shared, and concurrent calls are pipelined on it.
 */
public final class RedisBudgetStore implements BudgetStore {
  private static final int COMMIT_ATTEMPTS = 3;

  private final RedisStoreSettings settings;
  private final RedisConnector redis;

  /**
   * Creates a store; it connects on first use and keeps trying while Redis is away.
   *
   * @param settings connection and key settings
   * @param clock paces connection attempts
   */
  public RedisBudgetStore(RedisStoreSettings settings, Clock clock) {
    this.settings = settings;
    this.redis = new RedisConnector(settings, clock);
  }

  @Override
  public String name() {
    return "redis";
  }

  @Override
  public CompletableFuture<ReserveResult> reserve(
      String namespace, String requestId, List<Charge> charges, Instant now, Instant expiresAt) {
    RedisKeys k = keys(namespace);
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
    args.add(bucketIds(charges));
    args.add(Long.toString(settings.keyGrace().toMillis()));
    for (Charge charge : charges) {
      keys.add(k.bucket(charge.bucketId()));
      keys.add(k.reservations(charge.bucketId()));
      addCharge(args, charge);
    }
    return eval(LuaScript.RESERVE, keys, args)
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
    // The reservation held the buckets this commit charges, in the same order, unless the budgets
    // changed in between: run the script on that guess at once, without reading the record first.
    // The script checks the guess against the record and answers 9 when it was wrong.
    String guess = charges.isEmpty() ? null : bucketIds(charges);
    return finish(namespace, requestId, charges, countWithoutReservation, now, settlement, guess, 1)
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
    return finish(namespace, requestId, List.of(), false, now, null, null, 1)
        .thenApply(out -> (long) out.get(0) == 1L);
  }

  @Override
  public CompletableFuture<List<BucketState>> read(
      String namespace, List<Charge> charges, Instant now) {
    RedisKeys k = keys(namespace);
    // One read script per bucket, sent without waiting for each reply: pipelined.
    List<CompletableFuture<BucketState>> reads = new ArrayList<>(charges.size());
    for (Charge charge : charges) {
      String id = charge.bucketId();
      reads.add(
          eval(LuaScript.READ, List.of(k.bucket(id), k.reservations(id)), List.of(ms(now)))
              .thenApply(out -> new BucketState((long) out.get(0), (long) out.get(1))));
    }
    return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new))
        .thenApply(v -> reads.stream().map(CompletableFuture::join).toList())
        .exceptionallyCompose(RedisConnector::unavailable);
  }

  @Override
  public CompletableFuture<Long> countFall(String namespace, Charge charge, Instant now) {
    RedisKeys k = keys(namespace);
    return redis
        .eval(
            LuaScript.FALL,
            new String[] {k.bucket(charge.bucketId()), k.index()},
            new String[] {
              ms(now),
              charge.bucketId(),
              ms(charge.windowEnd()),
              Long.toString(settings.keyGrace().toMillis())
            })
        .thenApply(out -> (long) out.get(0));
  }

  @Override
  public CompletableFuture<List<BucketReading>> usage(String namespace, Instant now) {
    RedisKeys k = keys(namespace);
    return redis
        .connection()
        .thenCompose(
            c -> {
              RedisAsyncCommands<String, String> commands = c.async();
              // Ended windows leave the index here rather than on every reservation.
              commands.zremrangebyscore(k.index(), Range.create(0d, (double) now.toEpochMilli()));
              return commands.zrangebyscoreWithScores(k.index(), after(now)).toCompletableFuture();
            })
        .thenCompose(
            entries -> {
              // One read script per bucket, sent without waiting for each reply: pipelined.
              List<CompletableFuture<BucketReading>> reads = new ArrayList<>();
              for (var entry : entries) {
                String id = entry.getValue();
                Instant end = Instant.ofEpochMilli((long) entry.getScore());
                reads.add(
                    eval(
                            LuaScript.READ,
                            List.of(k.bucket(id), k.reservations(id)),
                            List.of(ms(now)))
                        .thenApply(
                            out ->
                                new BucketReading(
                                    id,
                                    (long) out.get(0),
                                    (long) out.get(1),
                                    end,
                                    (long) out.get(2))));
              }
              return CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new))
                  .thenApply(
                      v ->
                          reads.stream()
                              .map(CompletableFuture::join)
                              .sorted(Comparator.comparing(BucketReading::bucketId))
                              .toList());
            })
        .exceptionallyCompose(RedisConnector::unavailable);
  }

  @Override
  public CompletableFuture<Long> outstandingReservations(
      Collection<String> namespaces, Instant now) {
    return redis
        .connection()
        .thenCompose(
            c -> {
              RedisAsyncCommands<String, String> commands = c.async();
              List<CompletableFuture<Long>> counts = new ArrayList<>();
              for (String namespace : namespaces) {
                String open = keys(namespace).open();
                // Expired reservations leave the set here rather than on every reservation.
                commands.zremrangebyscore(open, Range.create(0d, (double) now.toEpochMilli()));
                counts.add(commands.zcount(open, after(now)).toCompletableFuture());
              }
              return CompletableFuture.allOf(counts.toArray(CompletableFuture[]::new))
                  .thenApply(v -> counts.stream().mapToLong(CompletableFuture::join).sum());
            })
        .exceptionallyCompose(RedisConnector::unavailable);
  }

  @Override
  public void close() {
    redis.close();
  }

  /**
   * Commits (with the settlement to keep) or releases (a null settlement): runs the script on the
   * buckets the request holds, as guessed (one round trip), or else as read from its record first
   * (two).
   *
   * @param guess the held bucket ids, newline separated, or null to read them
   */
  private CompletableFuture<List<Object>> finish(
      String namespace,
      String requestId,
      List<Charge> charges,
      boolean countWithoutReservation,
      Instant now,
      String settlement,
      String guess,
      int attempt) {
    RedisKeys k = keys(namespace);
    CompletableFuture<String> holds =
        guess != null
            ? CompletableFuture.completedFuture(guess)
            : redis
                .connection()
                .thenCompose(
                    c -> c.async().hmget(k.record(requestId), "b", "e").toCompletableFuture())
                .exceptionallyCompose(RedisConnector::unavailable)
                .thenApply(record -> liveHolds(record, now));
    return holds
        .thenCompose(
            heldText -> {
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
              return eval(LuaScript.COMMIT, keys, args);
            })
        .thenCompose(
            out -> {
              if ((long) out.get(0) != 9L) {
                return CompletableFuture.completedFuture(out);
              }
              if (guess != null) {
                // A wrong guess is no change of the record: read it, without counting an attempt.
                return finish(
                    namespace,
                    requestId,
                    charges,
                    countWithoutReservation,
                    now,
                    settlement,
                    null,
                    attempt);
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
                  null,
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

  /** The bucket ids of the charges, newline separated, as a reservation records what it holds. */
  private static String bucketIds(List<Charge> charges) {
    if (charges.size() == 1) {
      return charges.get(0).bucketId();
    }
    StringBuilder ids = new StringBuilder();
    for (Charge charge : charges) {
      if (!ids.isEmpty()) {
        ids.append('\n');
      }
      ids.append(charge.bucketId());
    }
    return ids.toString();
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
      LuaScript script, List<String> keys, List<String> args) {
    return redis.eval(script, keys.toArray(String[]::new), args.toArray(String[]::new));
  }

  private RedisKeys keys(String namespace) {
    return new RedisKeys(settings.keyPrefix(), namespace);
  }

  private static Range<Double> after(Instant now) {
    return Range.create((double) now.toEpochMilli() + 1, Double.MAX_VALUE);
  }

  private static String ms(Instant instant) {
    return Long.toString(instant.toEpochMilli());
  }

  private record Parsed(List<BucketState> states, List<Crossing> crossings) {}
}
