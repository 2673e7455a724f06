package dev.tollgate.serving;

import com.google.protobuf.CodedInputStream;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The standard gRPC health service ({@code grpc.health.v1.Health}, its {@code Check} call) of a
 * role's gRPC port, which Envoy's health checks call: SERVING until {@link #stopServing}, then
 * NOT_SERVING, so Envoy leaves a stopping Pod out before its server says GOAWAY. It answers for the
 * server as a whole (the empty service name) and NOT_FOUND for any other name. Thread-safe.
 *
 * <p>The two messages have one field each and are encoded here, which spares a dependency for them:
 * {@code HealthCheckRequest{string service = 1}}, {@code HealthCheckResponse{ServingStatus status =
 * 1}} with SERVING = 1, NOT_SERVING = 2.
 */
public final class GrpcHealth {
  /** The service's full name. */
  public static final String SERVICE = "grpc.health.v1.Health";

  static final int SERVING = 1;
  static final int NOT_SERVING = 2;

  /** The {@code Check} method, on raw bytes. */
  public static final MethodDescriptor<byte[], byte[]> CHECK =
      MethodDescriptor.<byte[], byte[]>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Check"))
          .setRequestMarshaller(Bytes.INSTANCE)
          .setResponseMarshaller(Bytes.INSTANCE)
          .build();

  private final AtomicBoolean serving = new AtomicBoolean(true);

  /** Returns the service, to add to the role's gRPC server. */
  public ServerServiceDefinition service() {
    return ServerServiceDefinition.builder(SERVICE)
        .addMethod(
            CHECK,
            ServerCalls.asyncUnaryCall(
                (request, response) -> {
                  String name;
                  try {
                    name = serviceName(request);
                  } catch (IOException e) {
                    response.onError(
                        Status.INVALID_ARGUMENT
                            .withDescription("not a grpc.health.v1.HealthCheckRequest")
                            .asRuntimeException());
                    return;
                  }
                  if (!name.isEmpty()) {
                    response.onError(
                        Status.NOT_FOUND
                            .withDescription("unknown service '" + name + "'; ask for ''")
                            .asRuntimeException());
                    return;
                  }
                  response.onNext(checkResponse(serving.get() ? SERVING : NOT_SERVING));
                  response.onCompleted();
                }))
        .build();
  }

  /** From now on answers NOT_SERVING: the role is stopping. */
  public void stopServing() {
    serving.set(false);
  }

  /** Returns whether it still answers SERVING. */
  public boolean serving() {
    return serving.get();
  }

  /** The encoded {@code HealthCheckResponse} with {@code status}. */
  static byte[] checkResponse(int status) {
    return new byte[] {0x08, (byte) status};
  }

  /** The {@code service} field of an encoded {@code HealthCheckRequest}, empty when absent. */
  static String serviceName(byte[] request) throws IOException {
    CodedInputStream in = CodedInputStream.newInstance(request);
    String name = "";
    for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
      if (tag == ((1 << 3) | 2)) {
        name = in.readStringRequireUtf8();
      } else if (!in.skipField(tag)) {
        break;
      }
    }
    return name;
  }

  private enum Bytes implements MethodDescriptor.Marshaller<byte[]> {
    INSTANCE;

    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
