package dev.tollgate.processor;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * A settlement that asks again when the rate-limit service cannot be asked: after 0.5 s, then twice
 * as long each time, {@link #ATTEMPTS} attempts in all (about 15 s, a rate-limit Pod's roll).
 * Envoy's stream-done commit is disarmed for the requests the processor settles ({@link
 * dev.tollgate.model.Wire#ENVOY_COMMIT_PHASE}), so this is the commit that counts; the service
 * settles each request id once, so an attempt that did arrive and is asked again is answered as a
 * duplicate with what it settled. Never blocks: the attempts wait on a delayed executor.
 */
final class RetriedSettlement implements UsageSettlement {
  /** Attempts in all, the first one included. */
  static final int ATTEMPTS = 5;

  /** The wait before the first repeat; each later one waits twice as long. */
  static final Duration FIRST_WAIT = Duration.ofMillis(500);

  private final UsageSettlement settlement;
  private final long firstWaitMillis;

  /**
   * Asks {@code settlement}, again after {@code firstWait} and twice as long each later time.
   *
   * @param firstWait {@link #FIRST_WAIT}, shorter in tests
   */
  RetriedSettlement(UsageSettlement settlement, Duration firstWait) {
    this.settlement = settlement;
    this.firstWaitMillis = firstWait.toMillis();
  }

  @Override
  public CompletableFuture<Tokens> settle(Charged charged, Tokens usage) {
    CompletableFuture<Tokens> settled = new CompletableFuture<>();
    attempt(charged, usage, 1, settled);
    return settled;
  }

  private void attempt(Charged charged, Tokens usage, int n, CompletableFuture<Tokens> settled) {
    CompletableFuture<Tokens> call;
    try {
      call = settlement.settle(charged, usage);
    } catch (RuntimeException e) {
      call = CompletableFuture.failedFuture(e);
    }
    call.whenComplete(
        (tokens, failure) -> {
          if (failure == null) {
            settled.complete(tokens);
          } else if (n >= ATTEMPTS) {
            settled.completeExceptionally(failure);
          } else {
            long waitMillis = firstWaitMillis << (n - 1);
            Executor later = CompletableFuture.delayedExecutor(waitMillis, TimeUnit.MILLISECONDS);
            later.execute(() -> attempt(charged, usage, n + 1, settled));
          }
        });
  }
}
