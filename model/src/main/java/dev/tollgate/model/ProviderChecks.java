package dev.tollgate.model;

import dev.tollgate.api.v1alpha1.AllowedNamespaces;
import dev.tollgate.api.v1alpha1.Api;
import dev.tollgate.api.v1alpha1.ModelProviderSpec;
import dev.tollgate.api.v1alpha1.OpenAICompatibleSettings;
import dev.tollgate.api.v1alpha1.ProviderType;
import java.net.URI;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/** The spec checks of a ModelProvider: the CRD's schema and CEL rules, for folder mode too. */
final class ProviderChecks {
  private static final Pattern URL = Pattern.compile("^https?://[^/?#\\s]+(/[^?#\\s]*)?$");
  private static final Pattern AZURE_API_VERSION =
      Pattern.compile("^[0-9]{4}-[0-9]{2}-[0-9]{2}(-preview)?$");

  private static final Pattern DEPLOYMENT = Pattern.compile(Api.DEPLOYMENT);

  private ProviderChecks() {}

  /** Records every problem of a provider's spec. */
  static void check(ModelProviderSpec spec, SpecChecks checks) {
    checks.required("spec.type", spec.type);
    endpoint(spec, checks);
    azure(spec, checks);
    openAICompatible(spec, checks);
    anthropic(spec, checks);
    credentials(spec, checks);
    models(spec, checks);
    governance(spec, checks);
    connection(spec, checks);
  }

  private static void endpoint(ModelProviderSpec spec, SpecChecks checks) {
    if (spec.type == ProviderType.Anthropic && spec.endpoint == null) {
      return;
    }
    if (checks.required("spec.endpoint", spec.endpoint)) {
      var endpoint = spec.endpoint;
      if ((endpoint.url == null) == (endpoint.service == null)) {
        checks.invalid("spec.endpoint", "set exactly one of endpoint.url and endpoint.service");
      }
      if (endpoint.url != null) {
        checks.matches(
            "spec.endpoint.url",
            endpoint.url,
            URL,
            "an http or https URL without query, e.g. https://api.openai.com");
        if (checks.isEmpty()) {
          try {
            URI uri = URI.create(endpoint.url);
            if (uri.getHost() == null) {
              checks.invalid("spec.endpoint.url", "has no host name");
            } else if (uri.getHost().length() > 253) {
              checks.invalid("spec.endpoint.url", "has a host name longer than 253 characters");
            }
            if (uri.getPort() == 0 || uri.getPort() > 65535) {
              checks.invalid(
                  "spec.endpoint.url",
                  "port " + uri.getPort() + " is out of range: use 1 to 65535, or none");
            }
          } catch (IllegalArgumentException e) {
            checks.invalid("spec.endpoint.url", "is not a valid URL: " + e.getMessage());
          }
        }
      }
      if (endpoint.service != null) {
        if (checks.required("spec.endpoint.service.name", endpoint.service.name)) {
          checks.matches(
              "spec.endpoint.service.name",
              endpoint.service.name,
              SpecChecks.DNS_LABEL,
              "a Service name (lower case letters, digits and '-')");
        }
        if (checks.required("spec.endpoint.service.port", endpoint.service.port)) {
          checks.range("spec.endpoint.service.port", endpoint.service.port, 1, 65535);
        }
      }
    }
  }

  private static final Pattern API_PATH = Pattern.compile(OpenAICompatibleSettings.API_PATH);
  private static final Pattern KEY_HEADER = Pattern.compile(OpenAICompatibleSettings.KEY_HEADER);
  private static final Pattern KEY_SCHEME = Pattern.compile(OpenAICompatibleSettings.KEY_SCHEME);
  private static final Set<String> RESERVED_HEADERS =
      Set.of(
          "host",
          "content-length",
          "content-type",
          "transfer-encoding",
          "connection",
          "te",
          "upgrade",
          "keep-alive");

  private static void openAICompatible(ModelProviderSpec spec, SpecChecks checks) {
    var settings = spec.openAICompatible;
    if (settings == null) {
      return;
    }
    if (spec.type != null && spec.type != ProviderType.OpenAICompatible) {
      checks.invalid(
          "spec.openAICompatible", "is only allowed when type is OpenAICompatible: remove it");
    }
    checks.matches(
        "spec.openAICompatible.apiPath",
        settings.apiPath,
        API_PATH,
        "a path such as /v1beta/openai, without a trailing slash");
    checks.matches(
        "spec.openAICompatible.keyHeader",
        settings.keyHeader,
        KEY_HEADER,
        "a lower-case header name such as x-goog-api-key");
    if (settings.keyHeader != null
        && (RESERVED_HEADERS.contains(settings.keyHeader)
            || settings.keyHeader.startsWith("x-tollgate-")
            || settings.keyHeader.startsWith("x-envoy-"))) {
      checks.invalid(
          "spec.openAICompatible.keyHeader",
          "keyHeader must not be a hop-by-hop, framing or gateway header");
    }
    checks.matches(
        "spec.openAICompatible.keyScheme",
        settings.keyScheme,
        KEY_SCHEME,
        "a word such as Bearer or Token, or an empty string for the bare key");
  }

  private static void anthropic(ModelProviderSpec spec, SpecChecks checks) {
    if (spec.anthropic == null) {
      return;
    }
    if (spec.type != null && spec.type != ProviderType.Anthropic) {
      checks.invalid("spec.anthropic", "is only allowed when type is Anthropic: remove it");
    }
    if (spec.anthropic.version != null
        && !spec.anthropic.version.matches("[0-9]{4}-[0-9]{2}-[0-9]{2}")) {
      checks.invalid("spec.anthropic.version", "must be a date such as 2023-06-01");
    }
    if (spec.anthropic.betas != null && spec.anthropic.betas.size() > 64) {
      checks.invalid("spec.anthropic.betas", "may name at most 64 betas");
    }
  }

  private static void azure(ModelProviderSpec spec, SpecChecks checks) {
    if (spec.type == ProviderType.AzureOpenAI) {
      if (checks.required("spec.azure", spec.azure)) {
        if (checks.required("spec.azure.apiVersion", spec.azure.apiVersion)) {
          checks.matches(
              "spec.azure.apiVersion",
              spec.azure.apiVersion,
              AZURE_API_VERSION,
              "an Azure api-version such as 2024-10-21");
        }
      }
    } else if (spec.azure != null && spec.type != null) {
      checks.invalid("spec.azure", "is only allowed when type is AzureOpenAI: remove it");
    }
  }

  private static void credentials(ModelProviderSpec spec, SpecChecks checks) {
    if (spec.credentials != null) {
      if (checks.required("spec.credentials.name", spec.credentials.name)) {
        checks.matches(
            "spec.credentials.name",
            spec.credentials.name,
            SpecChecks.DNS_SUBDOMAIN,
            "a Secret name");
        checks.matches(
            "spec.credentials.key",
            spec.credentials.key,
            SpecChecks.SECRET_KEY,
            "a Secret data key (letters, digits, '-', '_' and '.')");
      }
    }
  }

  private static void models(ModelProviderSpec spec, SpecChecks checks) {
    checks.size("spec.models", spec.models, 1, 128);
    Set<String> names = new HashSet<>();
    for (int i = 0; spec.models != null && i < spec.models.size(); i++) {
      var m = spec.models.get(i);
      String field = "spec.models[" + i + "]";
      if (m == null) {
        checks.invalid(field, "must not be empty");
        continue;
      }
      if (checks.required(field + ".name", m.name)) {
        checks.matches(field + ".name", m.name, SpecChecks.MODEL_NAME, "a model name");
        if (!names.add(m.name)) {
          checks.invalid(field + ".name", "'" + m.name + "' is listed twice: list each model once");
        }
      }
      checks.matches(field + ".deployment", m.deployment, DEPLOYMENT, "an Azure deployment name");
      if (m.deployment != null && spec.type != ProviderType.AzureOpenAI) {
        checks.invalid(field + ".deployment", "is only used by AzureOpenAI providers: remove it");
      }
      checks.range(field + ".contextWindow", m.contextWindow, 1, 100_000_000);
      if (m.pricing != null) {
        checks.required(field + ".pricing.currency", m.pricing.currency);
        checks.matches(
            field + ".pricing.currency",
            m.pricing.currency,
            SpecChecks.CURRENCY,
            "an ISO 4217 code such as USD");
        checks.required(field + ".pricing.inputPerMillion", m.pricing.inputPerMillion);
        checks.required(field + ".pricing.outputPerMillion", m.pricing.outputPerMillion);
        for (var price :
            List.of(
                Map.entry("inputPerMillion", Objects.toString(m.pricing.inputPerMillion, "0")),
                Map.entry("outputPerMillion", Objects.toString(m.pricing.outputPerMillion, "0")),
                Map.entry(
                    "cachedInputPerMillion",
                    Objects.toString(m.pricing.cachedInputPerMillion, "0")),
                Map.entry(
                    "cacheWriteInputPerMillion",
                    Objects.toString(m.pricing.cacheWriteInputPerMillion, "0")))) {
          checks.matches(
              field + ".pricing." + price.getKey(),
              price.getValue(),
              SpecChecks.DECIMAL,
              "a decimal amount as a string, e.g. \"0.15\"");
        }
      }
    }
  }

  private static void governance(ModelProviderSpec spec, SpecChecks checks) {
    if (spec.governance != null) {
      var g = spec.governance;
      if (g.allowedNamespaces == AllowedNamespaces.Selector && g.namespaceSelector == null) {
        checks.invalid(
            "spec.governance.namespaceSelector", "is required when allowedNamespaces is Selector");
      }
      String selectorProblem = LabelSelectors.validate(g.namespaceSelector);
      if (selectorProblem != null) {
        checks.invalid("spec.governance.namespaceSelector", selectorProblem);
      }
    }
  }

  private static void connection(ModelProviderSpec spec, SpecChecks checks) {
    if (spec.connection != null) {
      var c = spec.connection;
      checks.positiveDuration("spec.connection.connectTimeout", c.connectTimeout, "5s");
      checks.range("spec.connection.maxConcurrentRequests", c.maxConcurrentRequests, 1, 1_000_000);
      if (c.outlierDetection != null) {
        var o = c.outlierDetection;
        checks.range("spec.connection.outlierDetection.consecutive5xx", o.consecutive5xx, 1, 1000);
        checks.positiveDuration(
            "spec.connection.outlierDetection.baseEjectionTime", o.baseEjectionTime, "30s");
        checks.range(
            "spec.connection.outlierDetection.maxEjectionPercent", o.maxEjectionPercent, 1, 100);
      }
    }
  }
}
