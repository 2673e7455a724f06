package dev.tollgate.ratelimit;

import com.google.protobuf.Struct;
import com.google.protobuf.UInt64Value;
import com.google.protobuf.Value;
import dev.tollgate.model.Wire;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The rate-limit service's calls for the processor, beside Envoy's {@code ShouldRateLimit} on the
 * same port and behind the same mutual TLS: {@code tollgate.budget.v1.Budgets/TierCheck} (does a
 * tiered rule's request fall to its tier?) and {@code Settle} (commit a finished request's usage
 * and answer what it was settled at). Both take a {@link RateLimitRequest} of domain {@code
 * tollgate} with one descriptor, the reserve or commit descriptor Envoy would send, so they are
 * checked by the same parser as Envoy's calls; the answer is a {@link Struct}. The processor's side
 * is {@code RateLimitClient} (operator module); both sides build and read the messages here.
 */
public final class BudgetCalls {
  /** The gRPC service name. */
  public static final String SERVICE = "tollgate.budget.v1.Budgets";

  /** Descriptor entry of a tier check: {@code true} when the rule falls at the warn threshold. */
  public static final String AT_WARN_KEY = "at_warn";

  /** Asks whether a request falls to its rule's tier. */
  public static final MethodDescriptor<RateLimitRequest, Struct> TIER_CHECK = method("TierCheck");

  /** Commits a request's usage and answers what it was settled at. */
  public static final MethodDescriptor<RateLimitRequest, Struct> SETTLE = method("Settle");

  private BudgetCalls() {}

  private static MethodDescriptor<RateLimitRequest, Struct> method(String name) {
    return MethodDescriptor.<RateLimitRequest, Struct>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, name))
        .setRequestMarshaller(ProtoUtils.marshaller(RateLimitRequest.getDefaultInstance()))
        .setResponseMarshaller(ProtoUtils.marshaller(Struct.getDefaultInstance()))
        .build();
  }

  /** The service definition that answers both calls from {@code service}. */
  public static ServerServiceDefinition service(RateLimitService service) {
    long maxTokens = service.maxTokensPerRequest();
    return ServerServiceDefinition.builder(SERVICE)
        .addMethod(
            TIER_CHECK,
            ServerCalls.asyncUnaryCall(
                (request, out) ->
                    answer(
                        request,
                        maxTokens,
                        out,
                        d -> {
                          if (!(d instanceof BudgetDescriptor.Reserve reserve)) {
                            throw new InvalidDescriptorException(
                                "a tier check carries a reserve descriptor");
                          }
                          boolean atWarn = "true".equals(entry(request, AT_WARN_KEY));
                          return service
                              .tierCheck(reserve.identity(), reserve.estimateTokens(), atWarn)
                              .thenApply(BudgetCalls::decision);
                        })))
        .addMethod(
            SETTLE,
            ServerCalls.asyncUnaryCall(
                (request, out) ->
                    answer(
                        request,
                        maxTokens,
                        out,
                        d -> {
                          if (!(d instanceof BudgetDescriptor.Commit commit)) {
                            throw new InvalidDescriptorException(
                                "a settlement carries a commit descriptor");
                          }
                          return service.settle(commit).thenApply(BudgetCalls::settled);
                        })))
        .build();
  }

  private static void answer(
      RateLimitRequest request,
      long maxTokens,
      StreamObserver<Struct> out,
      Function<BudgetDescriptor, CompletableFuture<Struct>> call) {
    CompletableFuture<Struct> answer;
    try {
      List<BudgetDescriptor> descriptors = BudgetDescriptor.parse(request, maxTokens);
      if (descriptors.size() != 1) {
        throw new InvalidDescriptorException("expected one descriptor");
      }
      answer = call.apply(descriptors.get(0));
    } catch (InvalidDescriptorException e) {
      out.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
      return;
    } catch (RuntimeException e) {
      answer = CompletableFuture.failedFuture(e);
    }
    answer.whenComplete(
        (r, error) -> {
          if (error != null) {
            out.onError(
                Status.INTERNAL
                    .withDescription("budget call failed: " + Futures.unwrap(error))
                    .asRuntimeException());
          } else {
            out.onNext(r);
            out.onCompleted();
          }
        });
  }

  private static String entry(RateLimitRequest request, String key) {
    for (RateLimitDescriptor.Entry e : request.getDescriptors(0).getEntriesList()) {
      if (e.getKey().equals(key)) {
        return e.getValue();
      }
    }
    return null;
  }

  // ------------------------------------------------------------------------------ messages

  /** A tier check's request, as the processor sends it. */
  public static RateLimitRequest tierCheckRequest(
      RequestIdentity identity, String requestId, long reserveTokens, boolean atWarn) {
    return request(
        identity(identity, requestId, Wire.RESERVE)
            .addEntries(entry(AT_WARN_KEY, Boolean.toString(atWarn)))
            .setHitsAddend(UInt64Value.of(reserveTokens)));
  }

  /** A settlement's request: the commit descriptor Envoy sends at stream done. */
  public static RateLimitRequest settleRequest(
      RequestIdentity identity, String requestId, Usage usage) {
    return request(
        identity(identity, requestId, Wire.COMMIT)
            .addEntries(entry(Wire.INPUT_TOKENS_KEY, Long.toString(usage.inputTokens())))
            .addEntries(
                entry(Wire.CACHED_INPUT_TOKENS_KEY, Long.toString(usage.cachedInputTokens())))
            .addEntries(
                entry(
                    Wire.CACHE_WRITE_INPUT_TOKENS_KEY,
                    Long.toString(usage.cacheWriteInputTokens())))
            .addEntries(entry(Wire.OUTPUT_TOKENS_KEY, Long.toString(usage.outputTokens())))
            .addEntries(
                entry(
                    Wire.PROVIDER_KEY,
                    usage.provider() == null ? Wire.UNKNOWN_PROVIDER : usage.provider())));
  }

  /** Reads a tier check's answer. */
  public static TierDecision decision(Struct answer) {
    if (!answer.getFieldsOrDefault("fall", Value.getDefaultInstance()).getBoolValue()) {
      return TierDecision.STAY;
    }
    return new TierDecision(
        true,
        text(answer, "reason"),
        text(answer, "quota"),
        text(answer, "limit"),
        text(answer, "bucket"));
  }

  /** Reads a settlement's answer. */
  public static Usage usage(Struct answer) {
    String provider = text(answer, "provider");
    return new Usage(
        number(answer, "input_tokens"),
        number(answer, "cached_input_tokens"),
        number(answer, "cache_write_input_tokens"),
        number(answer, "output_tokens"),
        provider.isEmpty() ? null : provider);
  }

  static Struct decision(TierDecision d) {
    Struct.Builder s =
        Struct.newBuilder().putFields("fall", Value.newBuilder().setBoolValue(d.fall()).build());
    if (d.fall()) {
      put(s, "reason", d.reason());
      put(s, "quota", d.quota());
      put(s, "limit", d.limit());
      put(s, "bucket", d.bucket());
    }
    return s.build();
  }

  static Struct settled(Usage u) {
    Struct.Builder s = Struct.newBuilder();
    put(s, "input_tokens", Long.toString(u.inputTokens()));
    put(s, "cached_input_tokens", Long.toString(u.cachedInputTokens()));
    put(s, "cache_write_input_tokens", Long.toString(u.cacheWriteInputTokens()));
    put(s, "output_tokens", Long.toString(u.outputTokens()));
    put(s, "provider", u.provider() == null ? "" : u.provider());
    return s.build();
  }

  private static RateLimitRequest request(RateLimitDescriptor.Builder descriptor) {
    return RateLimitRequest.newBuilder()
        .setDomain(Wire.RATE_LIMIT_DOMAIN)
        .addDescriptors(descriptor)
        .build();
  }

  private static RateLimitDescriptor.Builder identity(
      RequestIdentity identity, String requestId, String phase) {
    return RateLimitDescriptor.newBuilder()
        .addEntries(entry(Wire.PHASE, phase))
        .addEntries(entry(Wire.NAMESPACE_KEY, identity.namespace()))
        .addEntries(entry(Wire.ROUTE_KEY, identity.route()))
        .addEntries(entry(Wire.CLIENT_KEY, identity.client()))
        .addEntries(entry(Wire.MODEL_KEY, identity.model()))
        .addEntries(entry(Wire.REQUEST_ID_KEY, requestId));
  }

  private static RateLimitDescriptor.Entry entry(String key, String value) {
    return RateLimitDescriptor.Entry.newBuilder().setKey(key).setValue(value).build();
  }

  private static void put(Struct.Builder s, String key, String value) {
    s.putFields(key, Value.newBuilder().setStringValue(value == null ? "" : value).build());
  }

  private static String text(Struct s, String key) {
    return s.getFieldsOrDefault(key, Value.getDefaultInstance()).getStringValue();
  }

  private static long number(Struct s, String key) {
    String v = text(s, key);
    return v.isEmpty() ? 0 : Long.parseLong(v);
  }
}
