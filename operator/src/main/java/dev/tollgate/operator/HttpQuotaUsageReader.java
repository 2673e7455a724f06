package dev.tollgate.operator;

import dev.tollgate.ratelimit.BucketUsageReport;
import dev.tollgate.ratelimit.UsageJson;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
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
  private final URI base;
  private final HttpClient client;

  /**
   * Reads from a rate-limit service.
   *
   * @param base the base URL of its usage port, e.g. {@code
   *     http://tollgate-ratelimit.tollgate-system.svc:9091}
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
  public CompletableFuture<List<BucketUsageReport>> usage(String namespace, String quota) {
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
              return UsageJson.parse(response.body(), namespace, quota);
            });
  }
}
