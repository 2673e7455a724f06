package dev.tollgate.xds;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;

/**
 * A local HTTP server standing in for a model provider in tests: it answers every request with JSON
 * naming itself and echoing the path and headers it received, or with 503 while failing.
 */
final class EchoUpstream implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpServer server;
  private volatile boolean failing;

  EchoUpstream(String name) {
    try {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.createContext(
        "/",
        exchange -> {
          exchange.getRequestBody().readAllBytes();
          Map<String, Object> echo = new TreeMap<>();
          echo.put("server", name);
          echo.put("path", exchange.getRequestURI().toString());
          Map<String, String> headers = new TreeMap<>();
          exchange
              .getRequestHeaders()
              .forEach((k, v) -> headers.put(k.toLowerCase(), String.join(",", v)));
          echo.put("headers", headers);
          byte[] body = JSON.writeValueAsString(echo).getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("content-type", "application/json");
          exchange.sendResponseHeaders(failing ? 503 : 200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    server.setExecutor(Executors.newFixedThreadPool(4));
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  void failing(boolean failing) {
    this.failing = failing;
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
