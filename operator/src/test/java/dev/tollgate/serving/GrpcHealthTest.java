package dev.tollgate.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The gRPC health service over a real server: SERVING, then NOT_SERVING once the role stops, and
 * NOT_FOUND for a service name it does not know.
 */
class GrpcHealthTest {
  private static byte[] check(ManagedChannel channel, byte[] request) {
    return ClientCalls.blockingUnaryCall(
        channel,
        GrpcHealth.CHECK,
        CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS),
        request);
  }

  @Test
  void answersServingUntilTheRoleStopsThenNotServing() throws Exception {
    GrpcHealth health = new GrpcHealth();
    Server server =
        Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
            .addService(health.service())
            .build()
            .start();
    ManagedChannel channel =
        Grpc.newChannelBuilderForAddress(
                "127.0.0.1", server.getPort(), InsecureChannelCredentials.create())
            .build();
    try {
      assertThat(check(channel, new byte[0])).containsExactly(0x08, GrpcHealth.SERVING);
      health.stopServing();
      assertThat(check(channel, new byte[0])).containsExactly(0x08, GrpcHealth.NOT_SERVING);
      byte[] name = "tollgate.Other".getBytes(StandardCharsets.UTF_8);
      byte[] request = new byte[name.length + 2];
      request[0] = 0x0a;
      request[1] = (byte) name.length;
      System.arraycopy(name, 0, request, 2, name.length);
      StatusRuntimeException unknown =
          catchThrowableOfType(StatusRuntimeException.class, () -> check(channel, request));
      assertThat(unknown.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
      assertThat(unknown.getStatus().getDescription()).contains("tollgate.Other");
    } finally {
      channel.shutdownNow();
      server.shutdownNow();
    }
  }
}
