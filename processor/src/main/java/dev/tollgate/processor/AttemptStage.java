package dev.tollgate.processor;

import dev.tollgate.model.Wire;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * Tells the processor's two kinds of ext_proc stream apart: a client's request (the listener's
 * filter) and one upstream attempt to translate (the upstream filter of a translating cluster,
 * which sends the gRPC metadata {@link Wire#STAGE_METADATA}{@code : }{@link Wire#STAGE_ATTEMPT}).
 * gRPC metadata comes from Envoy's filter configuration, never from a client, so no client request
 * can be served as an attempt and skip authentication.
 */
final class AttemptStage implements ServerInterceptor {
  private static final Metadata.Key<String> STAGE =
      Metadata.Key.of(Wire.STAGE_METADATA, Metadata.ASCII_STRING_MARSHALLER);
  private static final Context.Key<Boolean> ATTEMPT = Context.key("tollgate-attempt-stage");

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    if (!Wire.STAGE_ATTEMPT.equals(headers.get(STAGE))) {
      return next.startCall(call, headers);
    }
    return Contexts.interceptCall(Context.current().withValue(ATTEMPT, true), call, headers, next);
  }

  /** Whether the stream being opened on this thread is an attempt's. */
  static boolean current() {
    return Boolean.TRUE.equals(ATTEMPT.get());
  }
}
