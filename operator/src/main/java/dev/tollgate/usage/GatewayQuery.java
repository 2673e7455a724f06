package dev.tollgate.usage;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** A command's GET to a running gateway's endpoint, its answer printed as it came. */
final class GatewayQuery {
  private GatewayQuery() {}

  /**
   * Prints the answer of {@code server}'s {@code pathAndQuery} to {@code out}; returns 0, or 1
   * after naming on {@code err} why not (the server's answer, or why it cannot be reached).
   */
  static int print(
      String command, URI server, String pathAndQuery, PrintWriter out, PrintWriter err) {
    URI uri = server.resolve(pathAndQuery);
    try {
      HttpResponse<String> response =
          HttpClient.newBuilder()
              .connectTimeout(Duration.ofSeconds(5))
              .build()
              .send(
                  HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET().build(),
                  HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      if (response.statusCode() != 200) {
        err.println(
            command
                + ": "
                + server
                + " answered "
                + response.statusCode()
                + ": "
                + response.body());
        return 1;
      }
      out.print(response.body());
      out.flush();
      return 0;
    } catch (IOException e) {
      err.println(
          command
              + ": cannot reach "
              + server
              + " (is tollgate run up? --server names"
              + " another): "
              + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    }
  }
}
