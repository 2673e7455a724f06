package dev.tollgate.bench;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * A provider that answers every request at once with the same chat completion (usage included), so
 * that the benchmark measures the gateway, not a model.
 */
final class StubProvider implements AutoCloseable {
  private static final byte[] RESPONSE =
      ("{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion\",\"created\":0,\"model\":\"gpt-4o-mini-2024-07-18\","
              + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"The capital of France is Paris. "
              + "It is also its largest city.\"},\"logprobs\":null,\"finish_reason\":\"stop\"}],"
              + "\"usage\":{\"prompt_tokens\":180,\"completion_tokens\":14,\"total_tokens\":194,"
              + "\"prompt_tokens_details\":{\"cached_tokens\":0}},\"system_fingerprint\":\"fp_bench\"}")
          .getBytes(StandardCharsets.UTF_8);

  private final HttpServer server;

  StubProvider() {
    // Without it the JDK server's separate header and body writes meet delayed ACKs: 40 ms each.
    System.setProperty("sun.net.httpserver.nodelay", "true");
    try {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1024);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.createContext(
        "/",
        exchange -> {
          exchange.getRequestBody().readAllBytes();
          exchange.getResponseHeaders().add("content-type", "application/json");
          exchange.sendResponseHeaders(200, RESPONSE.length);
          exchange.getResponseBody().write(RESPONSE);
          exchange.close();
        });
    server.setExecutor(Executors.newFixedThreadPool(4));
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
