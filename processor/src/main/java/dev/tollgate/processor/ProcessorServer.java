package dev.tollgate.processor;

import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The processor's gRPC server for Envoy's ext_proc filter, over mutual TLS or plaintext HTTP/2.
 * Envoy sends a buffered request body in one message, so the largest inbound message is sized to
 * the body limit.
 *
 * <p>Messages are handled on the transport's event-loop threads: each takes tens of microseconds
 * and never blocks (key sets are fetched asynchronously, large bodies go to a worker), and skipping
 * a hand-off per message matters when every request makes four round trips.
 */
public final class ProcessorServer implements AutoCloseable {
  private final Server server;

  private ProcessorServer(Server server) {
    this.server = server;
  }

  /** Starts serving {@code processor} in plaintext, for tests and benchmarks on loopback. */
  public static ProcessorServer start(String host, int port, Processor processor) {
    return start(host, port, processor, InsecureServerCredentials.create());
  }

  /**
   * Starts serving {@code processor} on a host and port; port 0 picks a free one. With mutual-TLS
   * credentials a client without a certificate from the CA cannot open a stream.
   */
  public static ProcessorServer start(
      String host, int port, Processor processor, ServerCredentials credentials) {
    try {
      Server server =
          NettyServerBuilder.forAddress(new InetSocketAddress(host, port), credentials)
              .addService(io.grpc.ServerInterceptors.intercept(processor, new AttemptStage()))
              .directExecutor()
              .maxInboundMessageSize(processor.config().maxRequestBodyBytes() + 64 * 1024)
              .permitKeepAliveTime(10, TimeUnit.SECONDS)
              .build()
              .start();
      return new ProcessorServer(server);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the processor on " + host + ":" + port, e);
    }
  }

  /** The port it listens on. */
  public int port() {
    return server.getPort();
  }

  /** Stops accepting streams and ends the open ones after at most five seconds. */
  @Override
  public void close() {
    server.shutdown();
    try {
      if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
        server.shutdownNow();
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
