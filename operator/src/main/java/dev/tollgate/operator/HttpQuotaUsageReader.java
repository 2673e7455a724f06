package dev.tollgate.operator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Reads TokenQuota usage from the rate-limit service's {@code /usage} endpoint over HTTP, when the
 * operator and the rate-limit service run as separate deployments (the chart's layout): {@code GET
 * <base>/usage?namespace=..&quota=..}. Any replica answers the same with the Redis store; with the
 * memory store there is only one. Thread-safe; a failed or late answer fails the future, and the
 * operator keeps the quota's previous reading.
 */
public final class HttpQuotaUsageReader implements QuotaUsageReader {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI base;
  private final HttpClient client;

  /**
   * Reads from a rate-limit service.
   *
   * @param base its probe port's base URL, e.g. {@code
   *     http://tollgate-ratelimit.tollgate-system.svc:8080}
   */
  public HttpQuotaUsageReader(URI base) {
    this.base = URI.create(base.toString().replaceAll("/+$", ""));
    this.client =
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofMillis(TIMEOUT_MILLIS))
            .version(HttpClient.Version.HTTP_1_1)
            .build();
  }

  @Override
  public CompletableFuture<List<QuotaBucketUsage>> usage(String namespace, String quota) {
    URI uri =
        URI.create(
            base
                + "/usage?namespace="
                + URLEncoder.encode(namespace, StandardCharsets.UTF_8)
                + "&quota="
                + URLEncoder.encode(quota, StandardCharsets.UTF_8));
    HttpRequest request =
        HttpRequest.newBuilder(uri).timeout(Duration.ofMillis(TIMEOUT_MILLIS)).GET().build();
    return client
        .sendAsync(request, HttpResponse.BodyHandlers.ofString())
        .thenApply(
            response -> {
              if (response.statusCode() != 200) {
                throw new IllegalStateException(
                    "GET " + uri + " answered " + response.statusCode());
              }
              return parse(response.body(), namespace, quota);
            });
  }

  /** Reads the buckets of one quota from {@code /usage}'s JSON; empty when the quota is absent. */
  static List<QuotaBucketUsage> parse(String body, String namespace, String quota) {
    JsonNode quotas;
    try {
      quotas = JSON.readTree(body);
    } catch (IOException e) {
      throw new UncheckedIOException("the usage endpoint did not answer JSON", e);
    }
    List<QuotaBucketUsage> buckets = new ArrayList<>();
    for (JsonNode node : quotas) {
      if (!node.path("namespace").asText().equals(namespace)
          || !node.path("name").asText().equals(quota)) {
        continue;
      }
      if (node.hasNonNull("error")) {
        throw new IllegalStateException(node.get("error").asText());
      }
      for (JsonNode b : node.path("buckets")) {
        buckets.add(
            new QuotaBucketUsage(
                b.path("limit").asText(),
                b.path("bucket").asText(),
                b.path("unit").asText(),
                new BigDecimal(b.path("amount").asText()),
                new BigDecimal(b.path("used").asText()),
                new BigDecimal(b.path("reserved").asText()),
                new BigDecimal(b.path("remaining").asText()),
                b.path("percentUsed").asLong(),
                Instant.parse(b.path("resetsAt").asText())));
      }
    }
    return buckets;
  }
}
