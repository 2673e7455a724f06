package dev.tollgate.ratelimit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.model.GatewayModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The JSON of {@code /usage}: the usage of every budget bucket of every quota, rendered by {@code
 * tollgate run} and the rate-limit role and parsed back by the operator ({@code
 * HttpQuotaUsageReader}), so that both sides share one codec of {@link BucketUsageReport}. The
 * query {@code namespace=a&quota=b} narrows it to one quota (either parameter alone to a namespace
 * or a name).
 *
 * <pre>
 * [{"namespace": "team-a", "name": "budgets", "buckets": [{"limit": "tokens", "bucket":
 *   "client=alice", "unit": "tokens", "amount": "20000", "used": "1200", "reserved": "300",
 *   "remaining": "18500", "percentUsed": 7, "resetsAt": "2026-03-10T10:01:00Z"}]}]
 * </pre>
 */
public final class UsageJson {
  private static final ObjectMapper JSON =
      new ObjectMapper().configure(SerializationFeature.INDENT_OUTPUT, true);

  private UsageJson() {}

  /**
   * Renders the usage.
   *
   * @param model the model in force, or null before the first
   * @param rateLimit the service counting the budgets
   * @param query the raw query string, or null for every quota
   */
  public static String render(GatewayModel model, RateLimitService rateLimit, String query) {
    Map<String, String> filter = parameters(query);
    String namespace = filter.get("namespace");
    String name = filter.get("quota");
    ArrayNode quotas = JSON.createArrayNode();
    if (model != null) {
      for (GatewayModel.Quota quota : model.quotas()) {
        if ((namespace != null && !namespace.equals(quota.namespace()))
            || (name != null && !name.equals(quota.name()))) {
          continue;
        }
        ObjectNode node =
            quotas.addObject().put("namespace", quota.namespace()).put("name", quota.name());
        ArrayNode buckets = node.putArray("buckets");
        try {
          List<BucketUsageReport> usage =
              rateLimit.usage(quota.namespace(), quota.name()).get(5, TimeUnit.SECONDS);
          for (BucketUsageReport bucket : usage) {
            buckets
                .addObject()
                .put("limit", bucket.limit())
                .put("bucket", bucket.bucket())
                .put("unit", bucket.unit())
                .put("amount", bucket.amount().toPlainString())
                .put("used", bucket.used().toPlainString())
                .put("reserved", bucket.reserved().toPlainString())
                .put("remaining", bucket.remaining().toPlainString())
                .put("percentUsed", bucket.percentUsed())
                .put("resetsAt", bucket.resetsAt().toString())
                .put("downgraded", bucket.downgraded());
          }
        } catch (Exception e) {
          node.put("error", "usage unavailable: " + e.getMessage());
        }
      }
    }
    try {
      return JSON.writeValueAsString(quotas) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Reads the buckets of one quota back from what {@link #render} wrote; empty when the quota is
   * absent.
   *
   * @throws IllegalStateException when the renderer could not read the quota's usage
   * @throws UncheckedIOException when the body is not JSON
   */
  public static List<BucketUsageReport> parse(String body, String namespace, String quota) {
    JsonNode quotas;
    try {
      quotas = JSON.readTree(body);
    } catch (IOException e) {
      throw new UncheckedIOException("the usage endpoint did not answer JSON", e);
    }
    List<BucketUsageReport> buckets = new ArrayList<>();
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
            new BucketUsageReport(
                b.path("limit").asText(),
                b.path("bucket").asText(),
                b.path("unit").asText(),
                new BigDecimal(b.path("amount").asText()),
                new BigDecimal(b.path("used").asText()),
                new BigDecimal(b.path("reserved").asText()),
                new BigDecimal(b.path("remaining").asText()),
                b.path("percentUsed").asLong(),
                Instant.parse(b.path("resetsAt").asText()),
                b.path("downgraded").asLong()));
      }
    }
    return buckets;
  }

  private static Map<String, String> parameters(String query) {
    Map<String, String> parameters = new HashMap<>();
    if (query == null || query.isBlank()) {
      return parameters;
    }
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        parameters.put(
            URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return parameters;
  }
}
