package dev.tollgate.processor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;

/**
 * A local stand-in for an OpenAI-style provider: chat completions answer JSON, or server-sent
 * events when the request streams (with a usage chunk when it asks for one), and always report 11
 * prompt and 7 completion tokens. It remembers the last request it received.
 */
final class FakeProvider implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();
  private final HttpServer server;
  private volatile JsonNode lastBody;
  private volatile Map<String, String> lastHeaders = Map.of();

  FakeProvider() {
    try {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 128);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.createContext(
        "/",
        exchange -> {
          byte[] in = exchange.getRequestBody().readAllBytes();
          Map<String, String> headers = new TreeMap<>();
          exchange
              .getRequestHeaders()
              .forEach((k, v) -> headers.put(k.toLowerCase(), String.join(",", v)));
          lastHeaders = headers;
          JsonNode body;
          try {
            body = JSON.readTree(in);
          } catch (IOException e) {
            body = JSON.createObjectNode();
          }
          lastBody = body;
          String model = body.path("model").asText();
          if (body.path("stream").asBoolean()) {
            exchange.getResponseHeaders().add("content-type", "text/event-stream");
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody()) {
              for (String word : new String[] {"Hello", " from", " the", " fake"}) {
                event(
                    out,
                    "{\"model\":\""
                        + model
                        + "\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\""
                        + word
                        + "\"}}]}");
              }
              if (body.path("stream_options").path("include_usage").asBoolean()) {
                event(
                    out,
                    "{\"model\":\""
                        + model
                        + "\",\"choices\":[],\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":7,\"total_tokens\":18}}");
              }
              event(out, "[DONE]");
            }
          } else {
            byte[] response =
                ("{\"id\":\"x\",\"object\":\"chat.completion\",\"model\":\""
                        + model
                        + "\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Hello from the fake\"}}],"
                        + "\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":7,\"total_tokens\":18}}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("content-type", "application/json");
            exchange.sendResponseHeaders(200, response.length);
            exchange.getResponseBody().write(response);
          }
          exchange.close();
        });
    server.setExecutor(Executors.newFixedThreadPool(8));
    server.start();
  }

  private static void event(OutputStream out, String data) throws IOException {
    out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  int port() {
    return server.getAddress().getPort();
  }

  JsonNode lastBody() {
    return lastBody;
  }

  Map<String, String> lastHeaders() {
    return lastHeaders;
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
