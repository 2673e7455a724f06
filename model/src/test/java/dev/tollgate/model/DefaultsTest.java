package dev.tollgate.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import dev.tollgate.api.v1alpha1.AIRouteSpec;
import dev.tollgate.api.v1alpha1.AllowedNamespaces;
import dev.tollgate.api.v1alpha1.AnthropicSettings;
import dev.tollgate.api.v1alpha1.ApiKeyClients;
import dev.tollgate.api.v1alpha1.Backend;
import dev.tollgate.api.v1alpha1.ConnectionSettings;
import dev.tollgate.api.v1alpha1.DataClassification;
import dev.tollgate.api.v1alpha1.Governance;
import dev.tollgate.api.v1alpha1.JwtClients;
import dev.tollgate.api.v1alpha1.ModelProviderSpec;
import dev.tollgate.api.v1alpha1.OutlierDetectionSettings;
import dev.tollgate.api.v1alpha1.Pricing;
import dev.tollgate.api.v1alpha1.ProviderModel;
import dev.tollgate.api.v1alpha1.ProviderReference;
import dev.tollgate.api.v1alpha1.QuotaMode;
import dev.tollgate.api.v1alpha1.RetryOn;
import dev.tollgate.api.v1alpha1.RetryPolicy;
import dev.tollgate.api.v1alpha1.RouteRule;
import dev.tollgate.api.v1alpha1.SecretKeyReference;
import dev.tollgate.api.v1alpha1.ServiceReference;
import dev.tollgate.api.v1alpha1.TokenQuotaSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A left-out field reads as the default its description (what {@code kubectl explain} shows) names,
 * so the documentation and {@link Defaults} cannot drift apart.
 */
class DefaultsTest {
  @Test
  void providerFieldsLeftOutReadAsTheirDocumentedDefaults() {
    var connection = new ConnectionSettings();
    var outlier = new OutlierDetectionSettings();
    var model = new ProviderModel();
    model.name = "gpt-4o";
    var pricing = new Pricing();
    pricing.inputPerMillion = "2.50";
    assertThat(Defaults.connectTimeoutMillis(connection)).isEqualTo(5_000);
    assertThat(Defaults.connectTimeoutMillis(null)).isEqualTo(5_000);
    assertDescribed(ConnectionSettings.class, "connectTimeout", "Default 5s.");
    assertThat(Defaults.maxConcurrentRequests(connection)).isEqualTo(1024);
    assertDescribed(ConnectionSettings.class, "maxConcurrentRequests", "Default 1024.");
    assertThat(Defaults.consecutive5xx(outlier)).isEqualTo(5);
    assertDescribed(OutlierDetectionSettings.class, "consecutive5xx", "Default 5.");
    assertThat(Defaults.baseEjectionMillis(outlier)).isEqualTo(30_000);
    assertDescribed(OutlierDetectionSettings.class, "baseEjectionTime", "Default 30s.");
    assertThat(Defaults.maxEjectionPercent(outlier)).isEqualTo(100);
    assertDescribed(OutlierDetectionSettings.class, "maxEjectionPercent", "Default 100.");
    assertThat(Defaults.tls(new ServiceReference())).isFalse();
    assertDescribed(ServiceReference.class, "tls", "Default false.");
    assertThat(Defaults.deployment(model)).isEqualTo("gpt-4o");
    assertDescribed(ProviderModel.class, "deployment", "Default: the model name.");
    assertThat(Defaults.cachedInputPerMillion(pricing)).isEqualTo("2.50");
    assertDescribed(Pricing.class, "cachedInputPerMillion", "Default: the input price.");
    assertThat(Defaults.cacheWriteInputPerMillion(pricing)).isEqualTo("2.50");
    assertDescribed(Pricing.class, "cacheWriteInputPerMillion", "Default: the input price.");
    assertThat(Defaults.anthropic(null))
        .isEqualTo(new GatewayModel.Anthropic("2023-06-01", List.of()));
    assertDescribed(AnthropicSettings.class, "version", "Default: 2023-06-01.");
    assertDescribed(AnthropicSettings.class, "betas", "Default: none.");
    assertDescribed(ModelProviderSpec.class, "endpoint", "https://api.anthropic.com");
    assertThat(Defaults.clearance(new Governance())).isEqualTo(DataClassification.Public);
    assertThat(Defaults.clearance(null)).isEqualTo(DataClassification.Public);
    assertDescribed(Governance.class, "dataClassification", "Default: Public.");
    assertThat(Defaults.allowedNamespaces(null)).isEqualTo(AllowedNamespaces.Same);
    assertDescribed(Governance.class, "allowedNamespaces", "Same (default");
    assertThat(Defaults.secretKey(new SecretKeyReference().key)).isEqualTo("apiKey");
    assertDescribed(SecretKeyReference.class, "key", "Default: apiKey.");
  }

  @Test
  void routeFieldsLeftOutReadAsTheirDocumentedDefaults() {
    var backend = new Backend();
    var rule = new RouteRule();
    var jwt = new JwtClients();
    assertThat(Defaults.classification(new AIRouteSpec())).isEqualTo(DataClassification.Public);
    assertDescribed(AIRouteSpec.class, "dataClassification", "Default: Public.");
    assertThat(Defaults.weight(backend)).isEqualTo(1);
    assertDescribed(Backend.class, "weight", "Default 1.");
    assertThat(Defaults.priority(backend)).isZero();
    assertDescribed(Backend.class, "priority", "Default 0.");
    assertThat(Defaults.providerNamespace(new ProviderReference(), "team-a")).isEqualTo("team-a");
    assertDescribed(ProviderReference.class, "namespace", "Default: the route's namespace.");
    assertThat(Defaults.retryAttempts(null)).isEqualTo(2);
    assertThat(Defaults.retryAttempts(new RetryPolicy())).isEqualTo(2);
    assertDescribed(RetryPolicy.class, "attempts", "Default 2;");
    assertThat(Defaults.retryOn(new RetryPolicy())).isEqualTo(List.of(RetryOn.values()));
    assertDescribed(RetryPolicy.class, "conditions", "Default: all three.");
    assertThat(Defaults.perTryTimeoutMillis(null)).isZero();
    assertDescribed(RetryPolicy.class, "perTryTimeout", "Default: none beyond the rule's timeout.");
    assertThat(Defaults.timeoutMillis(rule)).isEqualTo(300_000);
    assertDescribed(RouteRule.class, "timeout", "Default 300s.");
    assertThat(Defaults.clientClaim(jwt)).isEqualTo("sub");
    assertDescribed(JwtClients.class, "clientClaim", "Default sub.");
    assertThat(Defaults.secretKey(new ApiKeyClients().key)).isEqualTo("apiKey");
    assertDescribed(ApiKeyClients.class, "key", "Default apiKey.");
  }

  @Test
  void quotaFieldsLeftOutReadAsTheirDocumentedDefaults() {
    var spec = new TokenQuotaSpec();
    assertThat(Defaults.mode(spec)).isEqualTo(QuotaMode.Enforce);
    assertDescribed(TokenQuotaSpec.class, "mode", "Enforce (default)");
    assertThat(Defaults.warnAtPercent(spec)).isEqualTo(80);
    assertDescribed(TokenQuotaSpec.class, "warnAtPercent", "Default 80.");
    assertThat(Defaults.timeZone(spec)).isEqualTo("UTC");
    assertDescribed(TokenQuotaSpec.class, "timeZone", "Default UTC.");
  }

  private static void assertDescribed(Class<?> type, String field, String text) {
    try {
      JsonPropertyDescription description =
          type.getField(field).getAnnotation(JsonPropertyDescription.class);
      assertThat(description)
          .as("%s.%s has a description", type.getSimpleName(), field)
          .isNotNull();
      assertThat(description.value()).as("%s.%s", type.getSimpleName(), field).contains(text);
    } catch (NoSuchFieldException e) {
      throw new AssertionError(type.getSimpleName() + " has no field " + field, e);
    }
  }
}
