package dev.tollgate.roles;

import com.google.protobuf.Struct;
import dev.tollgate.processor.TierProbe;
import dev.tollgate.processor.UsageSettlement;
import dev.tollgate.ratelimit.BudgetCalls;
import dev.tollgate.ratelimit.RequestIdentity;
import dev.tollgate.ratelimit.TierDecision;
import dev.tollgate.ratelimit.Usage;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.grpc.CallOptions;
import io.grpc.ChannelCredentials;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The processor role's client of the rate-limit service's {@link BudgetCalls}: the tier check of a
 * tiered rule's request before it routes, and the settlement of each finished request's usage for
 * the ledger. Each call has its own deadline, so a rate-limit service that is slow or gone costs a
 * bounded wait: a tier check that fails or times out leaves the request on its model (the reserve
 * then decides, and an exhausted budget answers the plain 429), and a settlement that fails leaves
 * the ledger with the processor's own figure. Nothing blocks a thread. Thread-safe.
 */
public final class RateLimitClient implements TierProbe, UsageSettlement, AutoCloseable {
  /** The request id a tier check names: it reads buckets and reserves nothing, so none is kept. */
  static final String TIER_CHECK_ID = "tier-check";

  private final ManagedChannel channel;
  private final Duration tierDeadline;
  private final Duration settleDeadline;

  /** When the channel's connection backoff was last cut short (System.nanoTime()). */
  private final AtomicLong backoffResetAt = new AtomicLong(System.nanoTime());

  /**
   * Connects (lazily: the first call dials) to {@code target}, balancing calls over every address
   * it resolves to (the chart's headless Service has one per ready Pod).
   *
   * @param target host:port, or a gRPC target such as {@code dns:///name:port}
   * @param credentials mutual TLS with the processor's client certificate, or plaintext
   * @param tierDeadline how long a tier check may take before the request stays on its model
   * @param settleDeadline how long a settlement may take before the ledger keeps its own figure
   */
  public RateLimitClient(
      String target,
      ChannelCredentials credentials,
      Duration tierDeadline,
      Duration settleDeadline) {
    this.channel =
        NettyChannelBuilder.forTarget(
                target.contains("://") ? target : "dns:///" + target, credentials)
            .defaultLoadBalancingPolicy("round_robin")
            // Find a replica that went away without a word (the server permits pings every 5 s).
            .keepAliveTime(10, TimeUnit.SECONDS)
            .keepAliveTimeout(5, TimeUnit.SECONDS)
            .keepAliveWithoutCalls(true)
            .build();
    this.tierDeadline = tierDeadline;
    this.settleDeadline = settleDeadline;
  }

  /**
   * Makes the channel resolve the service's name and reconnect now instead of after its backoff, at
   * most once a second. Without it a processor that started before any rate-limit Pod was ready (a
   * headless Service with no address yet) could wait up to two minutes of gRPC's backoff before its
   * first tier check or settlement got through.
   */
  private void cutBackoffShort() {
    long now = System.nanoTime();
    long last = backoffResetAt.get();
    if (now - last >= TimeUnit.SECONDS.toNanos(1) && backoffResetAt.compareAndSet(last, now)) {
      channel.resetConnectBackoff();
    }
  }

  @Override
  public CompletableFuture<Fall> check(
      String namespace,
      String route,
      String client,
      String model,
      long reserveTokens,
      boolean atWarn) {
    return call(
            BudgetCalls.TIER_CHECK,
            BudgetCalls.tierCheckRequest(
                new RequestIdentity(namespace, route, client, model),
                TIER_CHECK_ID,
                reserveTokens,
                atWarn),
            tierDeadline)
        .thenApply(
            answer -> {
              TierDecision d = BudgetCalls.decision(answer);
              return d.fall() ? new Fall(d.reason(), d.quota(), d.limit()) : null;
            });
  }

  @Override
  public CompletableFuture<Tokens> settle(Charged charged, Tokens usage) {
    return call(
            BudgetCalls.SETTLE,
            BudgetCalls.settleRequest(
                new RequestIdentity(
                    charged.namespace(), charged.route(), charged.client(), charged.model()),
                charged.requestId(),
                new Usage(
                    usage.input(),
                    usage.cached(),
                    usage.cacheWrite(),
                    usage.output(),
                    usage.provider())),
            settleDeadline)
        .thenApply(
            answer -> {
              Usage u = BudgetCalls.usage(answer);
              return new Tokens(
                  u.inputTokens(),
                  u.cachedInputTokens(),
                  u.cacheWriteInputTokens(),
                  u.outputTokens(),
                  u.provider());
            });
  }

  private CompletableFuture<Struct> call(
      MethodDescriptor<RateLimitRequest, Struct> method,
      RateLimitRequest request,
      Duration deadline) {
    CompletableFuture<Struct> answer = new CompletableFuture<>();
    // The processor calls from its ext_proc stream's gRPC context, which is cancelled when the
    // stream ends: exactly when a settlement starts. A fork keeps the context's values but not its
    // cancellation, so the call lives by its own deadline only.
    Context forked = Context.current().fork();
    Context previous = forked.attach();
    try {
      ClientCalls.asyncUnaryCall(
          channel.newCall(
              method,
              // Wait for a connection within the deadline rather than fail at once while the
              // channel reconnects (e.g. the first call after the service's Pods became ready).
              CallOptions.DEFAULT
                  .withWaitForReady()
                  .withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS)),
          request,
          new StreamObserver<>() {
            @Override
            public void onNext(Struct value) {
              answer.complete(value);
            }

            @Override
            public void onError(Throwable t) {
              if (Status.fromThrowable(t).getCode() == Status.Code.UNAVAILABLE
                  || Status.fromThrowable(t).getCode() == Status.Code.DEADLINE_EXCEEDED) {
                cutBackoffShort();
              }
              answer.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
              answer.completeExceptionally(new IllegalStateException("no answer"));
            }
          });
    } finally {
      forked.detach(previous);
    }
    return answer;
  }

  @Override
  public void close() {
    channel.shutdown();
    try {
      if (!channel.awaitTermination(2, TimeUnit.SECONDS)) {
        channel.shutdownNow();
      }
    } catch (InterruptedException e) {
      channel.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
