package dev.tollgate.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.model.GatewayModel;
import dev.tollgate.ratelimit.BucketUsageReport;
import dev.tollgate.ratelimit.RateLimitService;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Renders the usage of every budget bucket of every quota as JSON, for {@code /usage}. */
final class UsageJson {
  private static final ObjectMapper JSON =
      new ObjectMapper().configure(SerializationFeature.INDENT_OUTPUT, true);

  private UsageJson() {}

  static String render(GatewayModel model, RateLimitService rateLimit) {
    ArrayNode quotas = JSON.createArrayNode();
    if (model != null) {
      for (GatewayModel.Quota quota : model.quotas()) {
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
                .put("resetsAt", bucket.resetsAt().toString());
          }
        } catch (Exception e) {
          node.put("error", "usage unavailable: " + e.getMessage());
        }
      }
    }
    try {
      return JSON.writeValueAsString(quotas) + "\n";
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
