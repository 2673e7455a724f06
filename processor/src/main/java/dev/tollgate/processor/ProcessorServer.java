package dev.tollgate.processor;

import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
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
    return start(host, port, processor, credentials, List.of());
  }

  /**
   * Starts serving {@code processor} and {@code services} besides it (a role's gRPC health service)
   * on a host and port.
   */
  public static ProcessorServer start(
      String host,
      int port,
      Processor processor,
      ServerCredentials credentials,
      List<ServerServiceDefinition> services) {
    try {
      NettyServerBuilder builder =
          NettyServerBuilder.forAddress(new InetSocketAddress(host, port), credentials)
              .addService(io.grpc.ServerInterceptors.intercept(processor, new AttemptStage()))
              .directExecutor()
              .maxInboundMessageSize(processor.config().maxRequestBodyBytes() + 64 * 1024)
              // Envoy pings every connection, idle ones too, to find peers that went away.
              .permitKeepAliveTime(5, TimeUnit.SECONDS)
              .permitKeepAliveWithoutCalls(true);
      services.forEach(builder::addService);
      return new ProcessorServer(builder.build().start());
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
    drain(Duration.ofSeconds(5));
  }

  /**
   * Stops accepting streams (a GOAWAY on every connection, so Envoy opens new streams elsewhere),
   * lets the open ones finish for at most {@code timeout}, then ends the rest.
   */
  public void drain(Duration timeout) {
    server.shutdown();
    try {
      if (!server.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        server.shutdownNow();
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
